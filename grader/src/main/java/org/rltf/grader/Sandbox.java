package org.rltf.grader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How worker processes are isolated, and the checks that they are.
 *
 * <p>Each worker runs in its own bubblewrap sandbox: new pid, network (loopback only), ipc and uts
 * namespaces; a root filesystem of read-only binds (the system's /usr, the Python installation, the
 * worker script) on an empty tmpfs, so the project, /root, /home and /etc are absent; a private size-
 * limited tmpfs /tmp for scratch directories; /proc of its own pid namespace; a minimal /dev. The
 * worker is root inside, with only the capabilities it needs to switch a test process to the slot's
 * uid and clean up after it (SETUID, SETGID, CHOWN, KILL, DAC_OVERRIDE, FOWNER); no_new_privs is set.
 * Test processes run as that unprivileged uid with no capabilities. When bwrap dies, everything in
 * the sandbox dies (--die-with-parent, and the pid namespace's init takes the rest with it).
 *
 * <p>Nothing here is optional: if bwrap is missing, the process is not root, a namespace cannot be
 * created, or a worker's self-check finds the sandbox leaky, {@link SandboxUnavailableException}.
 * {@link GraderConfig#INSECURE_NO_SANDBOX_CONFIG} is the only way to run without it.
 */
final class Sandbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "org/rltf/grader/";
    /** The worker script and the modules it imports from its own directory. */
    private static final List<String> WORKER_FILES = List.of("worker.py", "judging.py");
    private static final String WORKER_DIR_INSIDE = "/rltf";
    private static final String SCRATCH_INSIDE = "/tmp/scratch";
    private static final List<String> CAPABILITIES = List.of(
            "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER");
    private static final List<String> SYSTEM_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32");
    private static final List<String> SYSTEM_FILES = List.of("/etc/ld.so.cache", "/etc/localtime");

    /** The interpreter, resolved from {@link GraderConfig#PYTHON_CONFIG}. */
    record PythonInstall(String executable, String version, List<String> installDirs) {}

    private final GraderConfig config;
    private final boolean sandboxed;
    private final PythonInstall python;
    private final String bwrap;
    private final int uidBase;
    private final Path workerDir;      // holds worker.py (see workerScriptDir)
    private final Path insecureScratch;

    private Sandbox(GraderConfig config, boolean sandboxed, PythonInstall python, String bwrap, int uidBase,
                    Path workerDir, Path insecureScratch) {
        this.config = config;
        this.sandboxed = sandboxed;
        this.python = python;
        this.bwrap = bwrap;
        this.uidBase = uidBase;
        this.workerDir = workerDir;
        this.insecureScratch = insecureScratch;
    }

    /** Checks what the sandbox needs and prepares it; throws naming what is missing. */
    static Sandbox prepare(GraderConfig config) {
        boolean sandboxed = !config.insecureNoSandbox();
        String bwrap = null;
        if (sandboxed) {
            bwrap = findExecutable(config.bwrap());
            if (bwrap == null) {
                throw new SandboxUnavailableException("bubblewrap ('" + config.bwrap() + "', " + GraderConfig.BWRAP_CONFIG
                        + ") is not installed or not on PATH; install it (Debian: apt-get install -y bubblewrap; see "
                        + "scripts/install-deps.sh), or set " + GraderConfig.INSECURE_NO_SANDBOX_CONFIG
                        + "=true to run programs unsandboxed (debugging only)");
            }
            long uid = currentUid();
            if (uid != 0) {
                throw new SandboxUnavailableException("the sandbox runs every worker's programs as a uid of their own and "
                        + "needs root for that; this process runs as uid " + uid + ". Run the grader as root, or set "
                        + GraderConfig.INSECURE_NO_SANDBOX_CONFIG + "=true to run programs unsandboxed (debugging only)");
            }
        } else {
            log.warn("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                    + "!! {}=true: programs run WITHOUT the sandbox: they can read and write your files,\n"
                    + "!! use the network and signal your processes. Never grade model-generated code this way.\n"
                    + "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
                    GraderConfig.INSECURE_NO_SANDBOX_CONFIG);
        }
        PythonInstall python = resolvePython(config.python());
        int uidBase = config.uidBase() != 0 ? config.uidBase()
                : 100_000 + new SplittableRandom().nextInt(1 << 20) * 1024;
        Path workerDir;
        Path scratch = null;
        try {
            workerDir = workerScriptDir();
            if (!sandboxed) {
                scratch = Files.createTempDirectory("rltf-grader-scratch-");
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot prepare the worker script in " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage(), e);
        }
        return new Sandbox(config, sandboxed, python, bwrap, uidBase, workerDir, scratch);
    }

    /**
     * worker.py and the modules it imports (WORKER_FILES) in a directory named after their content, shared by every
     * grader of this version and never deleted, so that a grader killed without closing leaves nothing behind. The
     * directory must belong to this user and be writable by no one else; a file is rewritten if it differs.
     */
    private static Path workerScriptDir() throws IOException {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String name : WORKER_FILES) {
            try (InputStream in = Sandbox.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
                if (in == null) throw new IllegalStateException("missing resource " + RESOURCES + name);
                byte[] bytes = in.readAllBytes();
                files.put(name, bytes);
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(bytes);
            }
        }
        String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "rltf-grader-worker-" + hash);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another grader made it meanwhile
            }
        }
        UserPrincipal me = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(dir) || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).equals(me)
                || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " exists but is not a directory of " + me.getName() + " that only it can write");
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Arrays.equals(Files.readAllBytes(file), f.getValue())) {
                Path tmp = Files.createTempFile(dir, "worker-", ".tmp");
                Files.write(tmp, f.getValue());
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    boolean sandboxed() {
        return sandboxed;
    }

    PythonInstall python() {
        return python;
    }

    /** The uid that worker {@code slot}'s programs run as. */
    int uid(int slot) {
        return uidBase + slot;
    }

    /** The command line that starts worker {@code slot}. */
    List<String> command(int slot) {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("uid", uid(slot));
        cfg.put("slot", slot);
        cfg.put("sandboxed", sandboxed);
        cfg.put("scratch_root", sandboxed ? SCRATCH_INSIDE : insecureScratch.resolve("slot-" + slot).toString());
        cfg.putArray("must_be_hidden").addAll(hiddenPaths().stream().map(JSON.getNodeFactory()::textNode).toList());
        List<String> cmd = new ArrayList<>();
        if (!sandboxed) {
            cmd.addAll(List.of(python.executable(), "-S", "-B", workerDir.resolve("worker.py").toString(), cfg.toString()));
            return cmd;
        }
        cmd.addAll(List.of(bwrap, "--die-with-parent", "--new-session",
                "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "rltf-sandbox"));
        Set<String> made = new LinkedHashSet<>();
        for (String dir : SYSTEM_DIRS) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                try {
                    cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
                } catch (IOException e) {
                    throw new SandboxUnavailableException("cannot read the link " + dir + ": " + e.getMessage(), e);
                }
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                cmd.addAll(List.of("--ro-bind", dir, dir));
                made.add(dir);
            }
        }
        for (String file : SYSTEM_FILES) {
            String parent = Path.of(file).getParent().toString();
            // bwrap creates missing parents with mode 0700, which the program's uid could not enter.
            if (made.add(parent)) cmd.addAll(List.of("--perms", "0755", "--dir", parent));
            cmd.addAll(List.of("--ro-bind-try", file, file));
        }
        for (String dir : python.installDirs()) {
            if (made.stream().anyMatch(m -> dir.equals(m) || dir.startsWith(m + "/"))) continue;
            // bwrap creates missing parents with mode 0700, which the program's uid could not enter.
            Path parent = Path.of(dir).getParent();
            List<String> parents = new ArrayList<>();
            for (Path q = parent; q != null && q.getParent() != null; q = q.getParent()) parents.add(0, q.toString());
            for (String q : parents) {
                if (made.add(q)) cmd.addAll(List.of("--perms", "0755", "--dir", q));
            }
            cmd.addAll(List.of("--ro-bind", dir, dir));
            made.add(dir);
        }
        cmd.addAll(List.of("--ro-bind", workerDir.toString(), WORKER_DIR_INSIDE,
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "0755", "--size", Long.toString(config.scratchSizeBytes()), "--tmpfs", "/tmp",
                "--cap-drop", "ALL"));
        for (String cap : CAPABILITIES) cmd.addAll(List.of("--cap-add", cap));
        cmd.add("--clearenv");
        for (Map.Entry<String, String> e : workerEnvironment().entrySet()) {
            cmd.addAll(List.of("--setenv", e.getKey(), e.getValue()));
        }
        cmd.addAll(List.of("--chdir", "/tmp", python.executable(), "-S", "-B", WORKER_DIR_INSIDE + "/worker.py", cfg.toString()));
        return cmd;
    }

    /** The environment of a worker (bwrap clears everything else; the insecure mode does too). */
    static Map<String, String> workerEnvironment() {
        return Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "C.UTF-8", "PYTHONHASHSEED", "0",
                "PYTHONDONTWRITEBYTECODE", "1", "PYTHONIOENCODING", "utf-8", "HOME", "/tmp");
    }

    /** Host paths a sandboxed worker must not see: where the grader runs from (the project). */
    private List<String> hiddenPaths() {
        List<String> paths = new ArrayList<>();
        String cwd = Path.of("").toAbsolutePath().normalize().toString();
        boolean bound = Stream.concat(SYSTEM_DIRS.stream(), python.installDirs().stream())
                .anyMatch(d -> cwd.equals(d) || cwd.startsWith(d + "/"));
        if (sandboxed && !bound && !cwd.equals("/") && !cwd.equals("/tmp")) paths.add(cwd);
        return paths;
    }

    /**
     * Checks a worker's start-up report; throws naming the first thing that is not isolated. The
     * report comes from inside the sandbox: what the worker and a process dropped to the slot's uid
     * could actually see and do.
     */
    void verify(JsonNode hello, int slot) {
        JsonNode checks = hello.path("checks");
        if (!sandboxed) return;
        List<String> problems = new ArrayList<>();
        for (JsonNode name : checks.path("network_interfaces")) {
            if (!name.asText().equals("lo")) problems.add("network interface " + name.asText() + " is visible");
        }
        for (JsonNode path : checks.path("hidden_paths_visible")) problems.add("host path " + path.asText() + " is visible");
        JsonNode dropped = checks.path("dropped");
        if (dropped.has("error")) problems.add("dropping to uid " + uid(slot) + " failed: " + dropped.path("error").asText());
        if (!dropped.path("cap_eff").asText("?").matches("0+")) {
            problems.add("the program's uid keeps capabilities " + dropped.path("cap_eff").asText("?"));
        }
        if (!dropped.path("can_signal_worker").isBoolean() || dropped.path("can_signal_worker").asBoolean()) {
            problems.add("the program's uid can signal the worker");
        }
        for (JsonNode path : dropped.path("writable")) problems.add(path.asText() + " is writable by the program's uid");
        if (!problems.isEmpty()) {
            throw new SandboxUnavailableException("sandbox self-check of worker " + slot + " failed: " + String.join("; ", problems));
        }
    }

    @Override
    public void close() {
        deleteTree(insecureScratch);
    }

    // -------------------------------------------------------------------------------------------------

    private static final String PROBE = String.join("\n",
            "import json, os, sys",
            "dirs = {os.path.realpath(d) for d in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}",
            "dirs.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))",
            "print(json.dumps({'executable': os.path.realpath(sys.executable), 'version': list(sys.version_info[:3]),",
            "                  'dirs': sorted(dirs)}))");

    /** Runs the configured interpreter once to learn its real executable and installation. */
    static PythonInstall resolvePython(String python) {
        String out;
        try {
            Process p = new ProcessBuilder(python, "-c", PROBE).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SandboxUnavailableException("python '" + python + "' (" + GraderConfig.PYTHON_CONFIG + ") did not answer within 60 s");
            }
            out = new String(bytes, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new SandboxUnavailableException("python '" + python + "' (" + GraderConfig.PYTHON_CONFIG + ") failed: " + out);
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("python '" + python + "' (" + GraderConfig.PYTHON_CONFIG
                    + ") cannot be run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxUnavailableException("interrupted while probing python '" + python + "'", e);
        }
        try {
            String last = out.lines().reduce((a, b) -> b).orElse("");
            JsonNode info = JSON.readTree(last);
            int major = info.path("version").path(0).asInt();
            int minor = info.path("version").path(1).asInt();
            String version = major + "." + minor + "." + info.path("version").path(2).asInt();
            if (major != 3 || minor < 9) {
                throw new SandboxUnavailableException("python '" + python + "' is " + version + "; the grader needs 3.9 or newer");
            }
            List<String> dirs = new ArrayList<>();
            info.path("dirs").forEach(d -> dirs.add(d.asText()));
            dirs.sort(Comparator.naturalOrder());
            // Keep only the outermost directories: a bind of /a covers /a/b.
            List<String> outer = new ArrayList<>();
            for (String d : dirs) {
                if (outer.stream().noneMatch(o -> d.equals(o) || d.startsWith(o + "/"))) outer.add(d);
            }
            if (outer.contains("/")) {
                throw new SandboxUnavailableException("python '" + python + "' is installed at the filesystem root; "
                        + "the sandbox cannot expose its installation without exposing everything");
            }
            return new PythonInstall(info.path("executable").asText(), version, outer);
        } catch (IOException e) {
            throw new SandboxUnavailableException("python '" + python + "' printed something unexpected: " + out, e);
        }
    }

    static String findExecutable(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name)) ? Path.of(name).toAbsolutePath().toString() : null;
        }
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate.toString();
        }
        return null;
    }

    /** The real uid of this process, from /proc (no native access needed). */
    static long currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            throw new SandboxUnavailableException("cannot tell this process's uid from /proc/self/status: " + e.getMessage(), e);
        }
        throw new SandboxUnavailableException("no Uid line in /proc/self/status");
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("cannot delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            log.debug("cannot delete {}: {}", root, e.getMessage());
        }
    }
}
