"""rltf grader worker: a warm Python fork-server that runs untrusted programs against their unit tests.

The Java side (org.rltf.grader.PythonWorker) starts one worker per grading slot, inside a bubblewrap
sandbox (no network, its own pid/ipc/uts namespaces, a read-only minimal root, a small tmpfs /tmp,
only the capabilities needed to switch uid and clean up). The worker itself never runs untrusted
code: for every test it forks a fresh child, the child drops to the slot's own unprivileged uid,
sets resource limits, compiles and runs the program, runs the test and reports one JSON result on
fd 3. The worker holds the expected outputs and compares there, so a program cannot see the answers
of STDIO and CALL_BASED tests (ASSERT tests carry their expected values in the assert itself, as in
every HumanEval/MBPP harness).

Why fork per test: a new interpreter costs 25-30 ms of CPU, a fork of this warm one (and its exit)
about 0.5 ms on a small VM; and every test starts from the same clean state, so tests cannot leak
state into each other and a crash, timeout or fork bomb costs one test, not the worker.

Protocol on the worker's original stdin/stdout, one JSON object per line:
  worker -> grader, once:   {"hello": true, "python": ..., "checks": {...}}
  grader -> worker:         a job (see Worker.run_job)
  worker -> grader:         {"id": ..., "compile_error": {...} | null, "tests": [...]}
                            or {"id": ..., "sandbox_error": "..."} when the grader itself failed.
Anything the worker prints by mistake goes to /dev/null, never into the protocol.

After every test, whatever the test process left running is killed (kill(-1) as the slot's uid);
after every program, its scratch directory and any SysV IPC objects it made are removed, so nothing
passes from one program to the next.

Process layout while a test runs:
  bwrap init (pid 1 of the sandbox's pid namespace)
   └ worker (root inside the sandbox, child subreaper)
      └ test process: the slot's uid, its own session, PDEATHSIG=KILL, rlimits, scratch cwd
         └ anything the program forks (same uid; all killed with kill(-1) as that uid after the test)

Known limit: ASSERT tests run inside the program's process, as in every HumanEval/MBPP harness, so a
program written to attack them (returning an object whose __eq__ is always true, walking the
interpreter's memory with ctypes, patching the modules the report uses) could pass or forge an ASSERT
result. STDIO and CALL_BASED verdicts are computed here, on plain data, out of the program's reach.
"""

import ctypes
import gc
import json
import math
import os
import resource
import select
import signal
import sys
import time
import types

# ---------------------------------------------------------------------------------------------------
# Start-up: warm the interpreter. Everything imported here is shared copy-on-write by every test.
# ---------------------------------------------------------------------------------------------------

# The environment every test process starts from (a test adds only HOME and TMPDIR): set once here,
# because every putenv in a fork costs. Numeric libraries are kept single-threaded.
TEST_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
}
os.environ.clear()
os.environ.update(TEST_ENVIRONMENT)

# The worker is started with -S: site's .pth files may import a good deal (certifi, threading, ...),
# and everything imported here is paid again in every fork. What site gives a program is supplied
# here instead: the installation's site-packages on sys.path, and the exit()/quit() builtins.
if sys.flags.no_site:
    import sysconfig
    for _key in ("purelib", "platlib"):
        _path = sysconfig.get_path(_key)
        if _path and _path not in sys.path and os.path.isdir(_path):
            sys.path.append(_path)

    class _Quitter:
        def __init__(self, name):
            self.name = name

        def __repr__(self):
            return "Use %s() or Ctrl-D (i.e. EOF) to exit" % self.name

        def __call__(self, code=None):
            raise SystemExit(code)

    import builtins as _builtins
    _builtins.exit, _builtins.quit = _Quitter("exit"), _Quitter("quit")

# What generated programs and the HumanEval/MBPP/APPS tests commonly import. Left out on purpose,
# because each makes every fork dearer than importing it in the few tests that use it: numpy (it
# doubles the memory every fork copies), threading and what imports it (its at-fork handler alone
# costs a quarter of a millisecond per fork in a small VM), and modules that few of these programs use
# but that hold much memory: dataclasses (it pulls in inspect, ast and dis), datetime and calendar,
# hashlib (libcrypto). Fork and exit cost in proportion to the worker's private memory (page tables
# to copy and to tear down): those four were 2.4 of its 11 MB, about 3% of every test's time.
PRELOAD = [
    "time", "itertools", "collections", "functools", "math", "fractions", "typing", "random", "heapq",
    "re", "string", "bisect", "json", "copy", "operator", "decimal",
    "array", "io", "textwrap", "unicodedata", "struct", "enum",
    "abc", "contextlib", "cmath", "numbers", "collections.abc", "atexit",
]
PRELOADED = []
for _name in PRELOAD:
    try:
        __import__(_name)
        PRELOADED.append(_name)
    except Exception:
        pass

import atexit  # noqa: E402
import builtins  # noqa: E402
import random  # noqa: E402

# The judging functions (APPS's output comparisons, call-based equality): pure, in their own module with their own
# unit tests. Imported from this script's directory before any test process exists.
from judging import apps_call_equal, apps_stdio_equal, decode_value, stdio_diff  # noqa: E402

# The name the program is compiled under. Traceback frames with this file name are the program's,
# and their line numbers are lines of the program as written (code_prefix + completion).
PROGRAM_FILE = "solution.py"
SETUP_FILE = "<test-setup>"
TEST_FILE = "<test>"
TEST_FILES = (SETUP_FILE, TEST_FILE)


class LazyModule(types.ModuleType):
    """A module imported on first use: APPS's header gives every program `np`, but importing numpy
    in each test would cost more than the test."""

    def __init__(self, name):
        super().__init__(name)
        self._rltf_target = name

    def __getattr__(self, attr):
        module = __import__(self._rltf_target)
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


# APPS's testing_util prepends these imports to every program (hendrycks/apps eval/testing_util.py;
# CodeRL and RLTF keep them). LeetCode-style solutions rely on them (e.g. List[int] without an
# import). They are executed into the program's globals instead of being prepended, so that the
# program's line numbers stay as written.
APPS_HEADER = compile("\n".join([
    "import sys", "import time", "import itertools",
    "from itertools import accumulate, product, permutations, combinations",
    "import collections", "from collections import Counter, OrderedDict, deque, defaultdict, ChainMap",
    "from functools import lru_cache", "import math",
    "from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2",
    "import fractions", "from typing import List, Tuple", "import random",
    "import heapq", "from heapq import *",
]), "<apps-header>", "exec")

RESULT_FD = 3
MESSAGE_CHARS = 300
RESULT_LIMIT = 16 << 20      # bytes a test may report on fd 3 (a CALL_BASED return value)
STDERR_KEEP = 4096           # stderr bytes kept for diagnostics (all of it counts to the output limit)
SETUP_FAILED = 70            # exit status of a test process that could not be set up

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
IPC_RMID = 0
SHM_INFO, SEM_INFO, MSG_INFO = 14, 19, 12


def truncate(text, limit=MESSAGE_CHARS, str=str, len=len):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---------------------------------------------------------------------------------------------------
# Inside the test process (untrusted from the moment the program runs)
# ---------------------------------------------------------------------------------------------------

def enter_test_process(cfg, job, stdin_fd, out_w, err_w, res_w):
    """Turn the freshly forked child into a locked-down test process. Runs before any program code."""
    os.setsid()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.dup2(stdin_fd, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.dup2(res_w, RESULT_FD)
    os.closerange(RESULT_FD + 1, 1 << 16)   # the protocol pipes, pidfds, the other pipes' ends

    for which, limit in job["rlimits"]:
        resource.setrlimit(which, limit)

    os.chdir(job["scratch"])
    if cfg["sandboxed"]:
        uid = cfg["uid"]
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)   # every capability is dropped here (all uids leave 0)
        if 0 in os.getresuid():
            raise PermissionError("still root after setresuid")

    # HOME, TMPDIR and sys.argv were set once in the worker (Worker.__init__, main): the scratch path
    # is the same for every program, and a putenv here would copy a dozen pages per test.
    if sys.path:
        sys.path[0] = job["scratch"]
    # random reseeds itself from the OS in every fork; the same seed in every test keeps programs
    # that use random without seeding deterministic.
    random.seed(0)


def test_rlimits(cfg, job):
    """The resource limits of every test process of `job`, worked out once per program in the worker
    (each line of Python in a test process copies pages of the worker)."""
    cpu = int(math.ceil(job["test_timeout_s"])) + 1
    limits = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),           # SIGXCPU, then SIGKILL: a CPU-time backstop
        (resource.RLIMIT_AS, (job["memory_bytes"], job["memory_bytes"])),
        (resource.RLIMIT_FSIZE, (job["file_bytes"], job["file_bytes"])),
        (resource.RLIMIT_NOFILE, (256, 256)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    if cfg["sandboxed"]:
        # Counted per uid, and every slot has its own uid: one program's fork bomb cannot starve
        # another slot's program.
        limits.append((resource.RLIMIT_NPROC, (job["process_limit"], job["process_limit"])))
    return limits


def run_in_test_process(job, index, setup_code, test_code, dumps=json.dumps, write=os.write, exit_=os._exit):
    """Compile and run the program, then test `index`; report one JSON object on RESULT_FD.

    dumps/write/exit_ are bound when this function is defined, so a program that rebinds json.dumps
    or os.write cannot change how the result is written."""
    try:
        result = run_test_body(job, index, setup_code, test_code)
    except BaseException as e:   # a failure after the program ran is the program's doing
        result = {"status": "error", "class": "HarnessTampered",
                  "message": truncate("%s: %s" % (type(e).__name__, e)), "line": None}
    try:
        data = (dumps(result) + "\n").encode("utf-8", "replace")
    except BaseException:
        data = b'{"status": "error", "class": "HarnessTampered", "message": "unreportable result", "line": null}\n'
    try:
        view = memoryview(data)
        while view:
            view = view[write(RESULT_FD, view):]
    except BaseException:
        pass
    exit_(0)


def run_test_body(job, index, setup_code, test_code):
    kind = job["kind"]
    program = job["program"]
    sources = {PROGRAM_FILE: program, SETUP_FILE: job.get("setup_code") or "",
               TEST_FILE: job["asserts"][index] if kind == "ASSERT" else ""}
    call_args = fn_name = None
    if kind == "CALL_BASED":
        try:
            call_args = json.loads(job["inputs"][index])
        except ValueError as e:
            return {"status": "harness_error", "message": truncate("test %d has unreadable arguments: %s" % (index, e))}
        fn_name = job["fn_name"]
    # The job (every test's inputs; never the answers) is dropped before the program runs.
    job.clear()

    try:
        code = compile(program, PROGRAM_FILE, "exec", dont_inherit=True)
    except SyntaxError as e:
        code = compile_as_apps_function(program, e) if kind == "STDIO" else None
        if code is None:
            line = e.lineno
            if line is None and "\0" in program:   # "cannot contain null bytes" (3.11.4+) names no line
                line = line_of(program, program.find("\0"))
            return {"status": "compile_error", "class": type(e).__name__, "message": truncate(e.msg or str(e)),
                    "line": line}
    except ValueError as e:   # NUL bytes and lone surrogates (see unencodable_source)
        return unencodable_source(program, e)
    except (MemoryError, RecursionError) as e:
        return {"status": "compile_error", "class": type(e).__name__, "message": truncate(str(e)), "line": None}

    g = {"__name__": "__main__" if kind == "STDIO" else "solution", "__builtins__": builtins,
         "__file__": PROGRAM_FILE, "__doc__": None}
    if kind != "ASSERT":
        exec(APPS_HEADER, g)
        g["np"] = LazyModule("numpy")
    if kind == "STDIO":
        g["stdin"], g["stdout"] = sys.stdin, sys.stdout   # APPS's harness defines these too
    del job, program

    if kind == "STDIO":
        return run_stdio(code, g, sources)
    try:
        exec(code, g)
        if kind == "ASSERT":
            exec(setup_code, g)
            exec(test_code, g)
            return {"status": "passed"}
        target = find_callable(g, fn_name)
        # APPS: JSON turns int dict keys into strings; undo it for a single dict argument.
        try:
            if isinstance(call_args[0], dict):
                call_args = [{int(k): v for k, v in call_args[0].items()}]
        except Exception:
            pass
        value = target(*call_args) if isinstance(call_args, list) else target(call_args)
        return {"status": "returned", "value": encode_value(value)}
    except BaseException as e:
        return describe_error(e, sources)


def line_of(text, index):
    """The 1-based line of text[index], with Python's line breaks (\\n, \\r\\n and a lone \\r)."""
    head = text[:max(index, 0)]
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def unencodable_source(program, error):
    """compile() refuses two kinds of text with a ValueError instead of a SyntaxError: a NUL byte ("source code
    string cannot contain null bytes"; a SyntaxError without a line since 3.11.4) and a lone surrogate, which has no
    UTF-8 form (UnicodeEncodeError). Neither can be in a source file, and Python reads a file with such bytes as a
    SyntaxError on their line: so both are reported that way, on the line that holds the first of them."""
    if isinstance(error, UnicodeError):
        index = next((i for i, ch in enumerate(program) if "\ud800" <= ch <= "\udfff"), -1)
        if index >= 0:
            message = "invalid character U+%04X: a lone surrogate, which has no UTF-8 form" % ord(program[index])
        else:
            message = str(error)
    else:
        index = program.find("\0")
        message = str(error)
    return {"status": "compile_error", "class": "SyntaxError", "message": truncate(message),
            "line": line_of(program, index) if index >= 0 else None}


def compile_as_apps_function(program, error):
    """APPS's testing_util runs a standard-input program as the body of a function `code()`, with its
    imports left at module level, so a top-level `return` (common in APPS's human solutions) ends the
    program there. A program that only compiles that way is rewritten the same way here, as an AST
    transformation that keeps every line number as written. Anything else runs as a plain module."""
    if "outside function" not in (error.msg or ""):
        return None
    import ast
    try:
        tree = ast.parse(program, PROGRAM_FILE)
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))] or [ast.Pass()]
        fn = ast.FunctionDef(name="code", args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                                            kw_defaults=[], kwarg=None, defaults=[]),
                             body=body, decorator_list=[], returns=None, type_comment=None)
        call = ast.Expr(ast.Call(func=ast.Name("code", ast.Load()), args=[], keywords=[]))
        tree.body = imports + [fn, call]
        ast.fix_missing_locations(tree)
        return compile(tree, PROGRAM_FILE, "exec", dont_inherit=True)
    except Exception:
        return None


def run_stdio(code, g, sources):
    """A standard-input program: run it as __main__ the way `python solution.py < input` would,
    including its non-daemon threads and atexit handlers; the worker compares its output."""
    failure = None
    try:
        exec(code, g)
    except SystemExit as e:
        if e.code not in (None, 0):
            failure = describe_error(e, sources)
    except BaseException as e:
        failure = describe_error(e, sources)
    if failure is None:
        try:
            threading = sys.modules.get("threading")
            if threading is not None:
                threading._shutdown()   # join non-daemon threads, as interpreter exit does
            atexit._run_exitfuncs()
        except SystemExit as e:
            if e.code not in (None, 0):
                failure = describe_error(e, sources)
        except BaseException as e:
            failure = describe_error(e, sources)
    for stream in (sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
    return failure or {"status": "ran"}


def find_callable(g, fn_name):
    """APPS's rule: a program with a `Solution` class is called through Solution().fn_name."""
    solution = g.get("Solution")
    if isinstance(solution, type):
        return getattr(solution(), fn_name)
    if fn_name not in g:
        raise NameError("name '%s' is not defined" % fn_name)
    return g[fn_name]


def encode_value(value, depth=0):
    """A JSON form of a return value that keeps Python's types apart (tuple vs list, int dict keys),
    so the worker can apply APPS's comparison to the same objects APPS compares."""
    if depth > 100:
        raise RecursionError("return value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is int or t is str or t is float:
        return value
    if t is list:
        return {"l": [encode_value(v, depth + 1) for v in value]}
    if t is tuple:
        return {"t": [encode_value(v, depth + 1) for v in value]}
    if t is dict:
        return {"d": [[encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()]}
    if t is set or t is frozenset:
        return {"s": [encode_value(v, depth + 1) for v in value]}
    if getattr(t, "__module__", "") == "numpy" and hasattr(value, "tolist"):
        return encode_value(value.tolist(), depth + 1)
    for base in (bool, int, float, str, list, tuple, dict, frozenset, set):
        if isinstance(value, base):   # subclasses (IntEnum, namedtuple, OrderedDict, ...)
            return encode_value(base(value), depth + 1)
    return {"o": truncate("%s: %r" % (t.__name__, value), 120)}


def describe_error(e, sources, AssertionError=AssertionError, SystemExit=SystemExit, MemoryError=MemoryError,
                   BaseException=BaseException, isinstance=isinstance, type=type, str=str, repr=repr):
    """Classify an exception from the program or its test.

    The program's line is the deepest traceback frame that lies in the program (file PROGRAM_FILE);
    an AssertionError raised by the test's own code is a wrong answer, not an error.

    The builtins used here are bound when the worker defines this function, before any program runs: a program
    may rebind builtins.AssertionError (or isinstance), but an assert statement still raises the original class,
    and that is the class a failed assert is judged by."""
    tb = e.__traceback__
    line = None
    last_file = last_line = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == PROGRAM_FILE:
            line = tb.tb_lineno
        last_file, last_line = filename, tb.tb_lineno
        tb = tb.tb_next
    name = type(e).__name__
    if isinstance(e, AssertionError) and last_file in TEST_FILES:
        message = str(e)
        if not message:
            lines = sources.get(last_file, "").splitlines()
            message = lines[last_line - 1].strip() if 0 < last_line <= len(lines) else "assertion failed"
        return {"status": "wrong", "message": truncate(message)}
    if isinstance(e, SystemExit):
        message = "exit(%r)" % (e.code,)
    else:
        try:
            message = str(e)
        except BaseException:
            message = "<unprintable %s>" % name
    return {"status": "memory" if isinstance(e, MemoryError) else "error", "class": name,
            "message": truncate(message), "line": line}


# ---------------------------------------------------------------------------------------------------
# In the worker (trusted): run the tests, police the test processes, compare outputs
# ---------------------------------------------------------------------------------------------------

class HarnessError(Exception):
    """The problem's own test code is broken: the grader cannot grade this program."""


class SandboxFailure(Exception):
    """The worker could not set up a test process (limits, uid switch): the grader's failure."""


class Worker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.uid = cfg["uid"]
        self.sandboxed = cfg["sandboxed"]
        self.scratch_root = cfg["scratch_root"]
        # Every program gets this directory new (made before its first test, removed after its last),
        # under the same path, so that the test environment's HOME and TMPDIR are set once here
        # rather than in every test process. Never on the worker's own sys.path: a program could
        # plant modules there.
        self.scratch = os.path.join(self.scratch_root, "program")
        os.environ["HOME"] = os.environ["TMPDIR"] = self.scratch
        self.job_counter = 0
        self.expected = None     # the current program's expected outputs (worker only)
        self.results = None      # the current program's test results so far (worker only)
        self.code_cache = {}     # compiled test code: the same problem comes back k times
        self.ipc_info = ctypes.create_string_buffer(128)   # room for shm_info, seminfo, msginfo
        self.ipc_info_ints = ctypes.cast(self.ipc_info, ctypes.POINTER(ctypes.c_int))

    # -- processes of the slot ----------------------------------------------------------------------

    def slot_processes(self, session):
        """Pids of every process of this slot: its uid (sandboxed), or the test's session (insecure)."""
        found = []
        me = os.getpid()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid == me or pid == 1:
                continue
            try:
                if self.sandboxed:
                    with open("/proc/%s/status" % entry, "rb") as f:
                        for raw in f:
                            if raw.startswith(b"Uid:"):
                                if int(raw.split()[1]) == self.uid:
                                    found.append(pid)
                                break
                elif os.getsid(pid) == session:
                    found.append(pid)
            except (OSError, ValueError, IndexError):
                pass
        return found

    def kill_slot(self, pids):
        if self.sandboxed:
            # kill(-1) as the slot's uid reaches every process that uid may signal (in this pid
            # namespace) in one pass under the kernel's tasklist lock: a fork bomb cannot outrun it.
            helper = os.fork()
            if helper == 0:
                try:
                    os.setresuid(self.uid, self.uid, self.uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            os.waitpid(helper, 0)
        else:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def sweep(self, session):
        """Kill and reap everything the test left behind, however it forked, detached or hid."""
        give_up = time.monotonic() + 5.0
        while True:
            self.reap()
            alive = self.slot_processes(session)
            if not alive:
                return
            if time.monotonic() > give_up:
                raise SandboxFailure("processes %s of the test survive SIGKILL" % alive[:10])
            self.kill_slot(alive)
            time.sleep(0.001)

    def remove_ipc(self):
        """SysV shared memory, semaphores and message queues outlive their processes: remove what the
        program left, so that the next program in this sandbox cannot read it."""
        if not self.sandboxed:
            return   # the host's IPC namespace: nothing here is the slot's alone to remove
        if not self.ipc_objects_exist():
            return
        found = []
        # /proc/sysvipc columns: the id is the 2nd; owner and creator uids are (8, 10) for shm and
        # msg, (5, 7) for sem.
        for kind, uid_columns in (("shm", (7, 9)), ("sem", (4, 6)), ("msg", (7, 9))):
            try:
                with open("/proc/sysvipc/" + kind) as f:
                    next(f, None)
                    for line in f:
                        cols = line.split()
                        if any(int(cols[c]) == self.uid for c in uid_columns):
                            found.append((kind, int(cols[1])))
            except (OSError, ValueError, IndexError):
                pass
        if not found:
            return
        helper = os.fork()
        if helper == 0:
            try:
                os.setresuid(self.uid, self.uid, self.uid)
                for kind, ident in found:
                    if kind == "shm":
                        libc.shmctl(ident, IPC_RMID, None)
                    elif kind == "sem":
                        libc.semctl(ident, 0, IPC_RMID)
                    else:
                        libc.msgctl(ident, IPC_RMID, None)
            finally:
                os._exit(0)
        os.waitpid(helper, 0)

    def ipc_objects_exist(self):
        """Whether this IPC namespace holds any SysV object: the *_INFO calls count them in three
        syscalls, where reading /proc/sysvipc costs a dozen per program. The sandbox has an IPC
        namespace of its own (bwrap --unshare-ipc) and the worker makes no objects, so any object is
        a program's. If a count cannot be read, assume objects exist and take the full look."""
        buf, ints = self.ipc_info, self.ipc_info_ints
        # shm_info.used_ids, seminfo.semusz and msginfo.msgpool: the objects of each kind in use.
        ctypes.memset(buf, 0, len(buf))
        if libc.shmctl(0, SHM_INFO, buf) < 0 or ints[0]:
            return True
        ctypes.memset(buf, 0, len(buf))
        if libc.semctl(0, 0, SEM_INFO, buf) < 0 or ints[7]:
            return True
        ctypes.memset(buf, 0, len(buf))
        return libc.msgctl(0, MSG_INFO, buf) < 0 or ints[0] != 0

    @staticmethod
    def children_left():
        """Whether the worker has a child that is still running (reaping those that have ended). Every
        process a test starts descends from the worker, and the worker is their child subreaper, so
        "no child" means nothing of any test is left (kill_slot's and remove_ipc's helpers are reaped
        before they return)."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True

    @staticmethod
    def reap():
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    # -- one test -----------------------------------------------------------------------------------

    def run_one(self, job, index, deadline, output_limit, setup_code, test_code):
        """Fork, run test `index`, police it until it ends or its deadline; returns the raw outcome."""
        if job["kind"] == "STDIO":
            stdin_fd = os.memfd_create("stdin", 0)
            view = memoryview(job["inputs"][index].encode("utf-8"))
            while view:
                view = view[os.write(stdin_fd, view):]
            os.lseek(stdin_fd, 0, os.SEEK_SET)
        else:
            stdin_fd = os.open(os.devnull, os.O_RDONLY)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                # Nothing the worker knows about answers may stay reachable from the program
                # (frames up the stack, gc): drop it before anything else happens in this process.
                # (code_cache stays: it holds only ASSERT test code, whose expected values an ASSERT
                # program sees anyway, and freeing it here would touch, so copy, many pages.)
                self.expected = self.results = None
                enter_test_process(self.cfg, job, stdin_fd, out_w, err_w, res_w)
            except BaseException as e:
                report_setup_failure(res_w, e)
                os._exit(SETUP_FAILED)
            try:
                run_in_test_process(job, index, setup_code, test_code)
            finally:
                os._exit(SETUP_FAILED)
        for fd in (stdin_fd, out_w, err_w, res_w):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        out, err, res = bytearray(), bytearray(), bytearray()
        err_bytes = 0
        poller = select.poll()
        for fd in (out_r, err_r, res_r, pidfd):
            poller.register(fd, select.POLLIN)
        open_fds = {out_r, err_r, res_r}
        exited = False
        leftovers = False         # did the test leave processes behind?
        verdict = None            # why the worker stopped the test, if it did
        status = usage = None     # set when the test process is reaped
        try:
            while open_fds or not exited:
                now = time.monotonic()
                if now >= deadline:
                    verdict = "timeout"
                    break
                for fd, _ in poller.poll(max(1, int((deadline - now) * 1000) + 1)):
                    if fd == pidfd:
                        exited = True
                        poller.unregister(pidfd)
                        _, status, usage = os.wait4(pid, 0)
                        # Whatever the test spawned goes with it, so that its pipes reach EOF. The
                        # worker is the child subreaper, so everything the test process started is now
                        # the worker's child: one waitpid tells whether anything is left, instead of a
                        # walk over /proc after every test (the walk stays for when something is).
                        if self.children_left():
                            others = self.slot_processes(pid)
                            if others:
                                leftovers = True
                                self.kill_slot(others)
                        continue
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        poller.unregister(fd)
                        open_fds.discard(fd)
                    elif fd == out_r:
                        out += chunk
                    elif fd == res_r:
                        res += chunk
                    else:
                        err_bytes += len(chunk)
                        if len(err) < STDERR_KEEP:
                            err += chunk[:STDERR_KEEP - len(err)]
                    if len(out) + err_bytes > output_limit:
                        verdict = "output"
                    elif len(res) > RESULT_LIMIT:
                        verdict = "result"
                if verdict:
                    break
            elapsed = time.monotonic() - started
            if status is None:
                # Not reaped yet, so the pid is still the test's (never a reused one).
                if verdict:
                    os.kill(pid, signal.SIGKILL)
                _, status, usage = os.wait4(pid, 0)
        finally:
            for fd in (out_r, err_r, res_r, pidfd):
                os.close(fd)
        if leftovers or verdict:
            self.sweep(pid)
        return {"verdict": verdict, "status": status, "elapsed": elapsed, "maxrss_kb": usage.ru_maxrss,
                "stdout": bytes(out), "stderr": bytes(err), "result": bytes(res)}

    # -- one program --------------------------------------------------------------------------------

    def compiled(self, source, filename, index):
        """Test code is the problem's, trusted: compiled once here and shared with every fork."""
        key = (filename, source)
        code = self.code_cache.get(key)
        if code is None:
            try:
                code = compile(source, filename, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as e:
                raise HarnessError("test %d does not compile: %s: %s" % (index, type(e).__name__, e))
            if len(self.code_cache) > 512:
                self.code_cache.clear()
            self.code_cache[key] = code
        return code

    def run_job(self, job):
        """Run every test of one program. Job fields:
        id, kind (STDIO | CALL_BASED | ASSERT), program, inputs, outputs, fn_name, setup_code, asserts,
        test_timeout_s, program_timeout_s, memory_bytes, output_bytes, file_bytes, process_limit.

        The expected outputs and the results so far live only in self.expected / self.results, which
        every test process drops right after the fork; no local of this frame holds them then."""
        kind = job["kind"]
        self.expected = job.pop("outputs", None) or []
        self.results = []
        count = len(job["asserts"]) if kind == "ASSERT" else len(job["inputs"])
        setup_code = self.compiled(job.get("setup_code") or "", SETUP_FILE, 0) if kind == "ASSERT" else None
        self.job_counter += 1
        scratch = self.scratch
        try:
            os.mkdir(scratch, 0o700)
        except FileExistsError:   # an earlier removal failed (and said so): try again before giving up
            self.remove_scratch(scratch)
            os.mkdir(scratch, 0o700)
        if self.sandboxed:
            os.chown(scratch, self.uid, self.uid)
        job["scratch"] = scratch
        job["rlimits"] = test_rlimits(self.cfg, job)
        program_deadline = time.monotonic() + job["program_timeout_s"]
        compile_error = None
        try:
            for index in range(count):
                now = time.monotonic()
                if compile_error is not None or now >= program_deadline:
                    self.results.append({"status": "NOT_RUN"})
                    continue
                test_code = self.compiled(job["asserts"][index], TEST_FILE, index) if kind == "ASSERT" else None
                test_deadline = now + job["test_timeout_s"]
                deadline = min(test_deadline, program_deadline)
                raw = self.run_one(job, index, deadline, self.output_limit(job, index), setup_code, test_code)
                compile_error = self.judge(kind, raw, index, program_limited=deadline < test_deadline)
                del raw
        finally:
            self.remove_scratch(scratch)
            self.remove_ipc()
        results, self.results, self.expected = self.results, None, None
        return {"id": job["id"], "compile_error": compile_error, "tests": results}

    def output_limit(self, job, index):
        """Big expected outputs (some APPS tests print megabytes) get room beyond the configured limit."""
        limit = job["output_bytes"]
        if index < len(self.expected):
            limit = max(limit, 2 * len(self.expected[index]) + 1024)
        return limit

    def judge(self, kind, raw, index, program_limited):
        """Append test `index`'s TestResult-shaped dict to self.results; return the program's compile
        error, if this test found one."""
        expected = self.expected[index] if index < len(self.expected) else None
        t, compile_error = self.judge_raw(kind, raw, expected, program_limited)
        self.results.append(t)
        return compile_error

    def judge_raw(self, kind, raw, expected, program_limited):
        t = {"time_ms": int(raw["elapsed"] * 1000), "memory_kb": raw["maxrss_kb"]}
        verdict = raw["verdict"]
        if verdict == "timeout":
            t.update(status="TIMEOUT", error_class="Timeout",
                     message="program time limit exceeded" if program_limited else "test time limit exceeded")
            return t, None
        if verdict == "output":
            t.update(status="ERROR", error_class="OutputLimitExceeded", message="output limit exceeded")
            return t, None
        if verdict == "result":
            t.update(status="ERROR", error_class="OutputLimitExceeded", message="return value too large")
            return t, None
        result = None
        if raw["result"]:
            try:
                result = json.loads(raw["result"].decode("utf-8", "replace").splitlines()[0])
                if not isinstance(result, dict) or "status" not in result:
                    result = None
            except (ValueError, IndexError):
                result = None
        if result is None:
            return self.judge_without_result(kind, raw, expected, t), None
        s = result["status"]
        if s == "compile_error":
            t.update(status="NOT_RUN")
            return t, {"class": result.get("class"), "message": result.get("message"), "line": result.get("line")}
        if s == "harness_error":
            raise HarnessError(result.get("message"))
        if s == "setup_failed":
            raise SandboxFailure("test process could not be set up: %s" % result.get("message"))
        if s == "passed":
            t.update(status="PASSED")
        elif s == "wrong":
            t.update(status="WRONG_ANSWER", error_class="WrongAnswer", message=result.get("message"))
        elif s in ("error", "memory"):
            t.update(status="MEMORY" if s == "memory" else "ERROR", error_class=result.get("class"),
                     message=result.get("message"), line=result.get("line"))
        elif s == "ran":
            self.compare_stdio(raw, expected, t)
        elif s == "returned":
            try:
                output = decode_value(result.get("value"))
                ok = apps_call_equal(output, json.loads(expected))
                message = None if ok else "expected %s, got %s" % (truncate(expected, 120), truncate(repr(output), 120))
            except Exception as e:
                ok, message = False, truncate("unreadable return value: %s" % e)
            if ok:
                t.update(status="PASSED")
            else:
                t.update(status="WRONG_ANSWER", error_class="WrongAnswer", message=message)
        else:
            t.update(status="ERROR", error_class="HarnessTampered", message=truncate("unknown result " + str(s)))
        return t, None

    def compare_stdio(self, raw, expected, t):
        stdout = raw["stdout"].decode("utf-8", "replace")
        if apps_stdio_equal(stdout, expected):
            t.update(status="PASSED")
        else:
            t.update(status="WRONG_ANSWER", error_class="WrongAnswer", message=stdio_diff(stdout, expected))

    def judge_without_result(self, kind, raw, expected, t):
        """The test process ended without reporting: killed by a signal, or exited on its own."""
        status = raw["status"]
        stderr = raw["stderr"].decode("utf-8", "replace")
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            name = signal.Signals(sig).name if sig in signal.valid_signals() else "signal %d" % sig
            if sig == signal.SIGXCPU:
                t.update(status="TIMEOUT", error_class="Timeout", message="CPU time limit exceeded")
            elif "MemoryError" in stderr or "Cannot allocate memory" in stderr:
                t.update(status="MEMORY", error_class="MemoryError", message="out of memory (%s)" % name)
            else:
                t.update(status="ERROR", error_class=name, message="killed by %s" % name)
            return t
        code = os.WEXITSTATUS(status)
        if kind == "STDIO" and code == 0:
            # os._exit(0) after printing is a normal end for a standard-input program.
            self.compare_stdio(raw, expected, t)
            return t
        t.update(status="ERROR", error_class="ExitWithoutResult",
                 message="exited with status %d before finishing the test" % code)
        return t

    def remove_scratch(self, path):
        # Most programs write nothing: one rmdir then, and the full walk only for a dir with entries.
        try:
            os.rmdir(path)
            return
        except OSError:
            pass
        import shutil
        shutil.rmtree(path, ignore_errors=True)
        if os.path.exists(path):
            raise SandboxFailure("cannot remove scratch dir " + path)


def report_setup_failure(res_w, e):
    data = (json.dumps({"status": "setup_failed", "message": truncate("%s: %s" % (type(e).__name__, e))})
            + "\n").encode()
    for fd in (RESULT_FD, res_w):
        try:
            os.write(fd, data)
            return
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------------
# Start-up self-checks and the main loop
# ---------------------------------------------------------------------------------------------------

def self_checks(cfg):
    """What the sandbox must guarantee, checked from inside at start-up (the Java side refuses to
    start if a check fails): no network, host paths invisible, the drop to the slot uid works and
    leaves no capabilities, and the dropped process can neither signal the worker nor write outside
    its scratch dir."""
    checks = {}
    # /proc/net/dev lists the interfaces of the reader's network namespace; socket.if_nameindex()
    # would say the same but leave the socket module in every fork.
    try:
        with open("/proc/net/dev") as f:
            names = sorted(line.split(":", 1)[0].strip() for line in f if ":" in line)
    except OSError:
        names = []
    checks["network_interfaces"] = names
    checks["hidden_paths_visible"] = [p for p in cfg.get("must_be_hidden", []) if os.path.exists(p)]
    if not cfg["sandboxed"]:
        return checks
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        report = {}
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(cfg["uid"], cfg["uid"], cfg["uid"])
            os.setresuid(cfg["uid"], cfg["uid"], cfg["uid"])
            with open("/proc/self/status") as f:
                status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            report["cap_eff"] = status.get("CapEff", "?").strip()
            report["no_new_privs"] = status.get("NoNewPrivs", "?").strip()
            try:
                os.kill(os.getppid(), 0)
                report["can_signal_worker"] = True
            except PermissionError:
                report["can_signal_worker"] = False
            writable = []
            for path in ("/", "/tmp", cfg["scratch_root"], "/usr", "/dev/shm", os.path.dirname(sys.executable)):
                try:
                    probe = os.path.join(path, ".rltf-probe")
                    with open(probe, "w"):
                        pass
                    os.unlink(probe)
                    writable.append(path)
                except OSError:
                    pass
            report["writable"] = writable
        except BaseException as e:
            report["error"] = "%s: %s" % (type(e).__name__, e)
        os.write(w, json.dumps(report).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    checks["dropped"] = json.loads(data.decode() or "{}")
    return checks


class LineReader:
    """Reads jobs off the protocol pipe. The raw bytes live only in this function's frame and are gone
    before any test process is forked (the program must not find a job's answers in the worker's
    frames or objects)."""

    def __init__(self, stream):
        self.stream = stream
        self.pending = b""

    def next_job(self):
        while b"\n" not in self.pending:
            # 64 KiB: a bigger read makes the interpreter map and unmap a buffer of that size for
            # every job, most of which are a few KiB.
            chunk = self.stream.read(1 << 16)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)


def main():
    cfg = json.loads(sys.argv[1])
    sys.argv = [PROGRAM_FILE]   # what a test process's program sees
    # The protocol gets private descriptors; fds 0/1 become /dev/null so stray prints cannot corrupt it.
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    os.makedirs(cfg["scratch_root"], mode=0o755, exist_ok=True)
    worker = Worker(cfg)

    def send(obj):
        view = memoryview((json.dumps(obj) + "\n").encode("utf-8"))
        while view:
            view = view[proto_out.write(view):]

    hello = {"hello": True, "python": sys.version.split()[0], "executable": sys.executable, "pid": os.getpid(),
             "uid": cfg["uid"], "sandboxed": cfg["sandboxed"], "preloaded": PRELOADED, "checks": self_checks(cfg)}
    # Everything alive now is shared by all forks; freezing it keeps the collector from touching
    # (and so copying) those pages in every test process.
    gc.collect()
    gc.freeze()
    send(hello)
    reader = LineReader(proto_in)
    while True:
        job_id = job = None
        try:
            job = reader.next_job()
            if job is None:
                return
            job_id = job.get("id")
            reply = worker.run_job(job)
        except HarnessError as e:
            reply = {"id": job_id, "sandbox_error": "the problem's test code is broken: %s" % e}
        except SandboxFailure as e:
            reply = {"id": job_id, "sandbox_error": str(e)}
        except Exception:
            import traceback   # only here: it would add to every fork's memory
            reply = {"id": job_id, "sandbox_error": truncate(traceback.format_exc(), 2000)}
        send(reply)
        del reply, job


if __name__ == "__main__":
    main()
