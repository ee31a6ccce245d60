"""Unit tests of the grader's judging module (grader/src/main/resources/org/rltf/grader/judging.py).

Run by the Maven build (org.rltf.grader.JudgingModuleTest), or by hand from grader/:
    PYTHONPATH=src/main/resources/org/rltf/grader python3 -B -m unittest discover -s src/test/python -v
Standard library only: the machine's python3, no network, no extra packages.
"""

import math
import unittest

import judging
from judging import allclose, apps_call_equal, apps_stdio_equal, decode_value, stdio_diff, Opaque


class AppsStandardInputComparison(unittest.TestCase):
    """APPS testing_util's standard-input branch, one of its steps per test."""

    def test_exact_after_stripping_the_whole_text(self):
        self.assertTrue(apps_stdio_equal("3\n", "3"))
        self.assertTrue(apps_stdio_equal("  1 2\n3\n\n", "1 2\n3"))

    def test_each_line_stripped(self):
        self.assertTrue(apps_stdio_equal("1 2   \n  3\n", "1 2\n3\n"))
        self.assertTrue(apps_stdio_equal("a\r\nb\r\n", "a\nb\n"))

    def test_blank_lines_of_the_output_are_dropped(self):
        self.assertTrue(apps_stdio_equal("a\n\nb\n", "a\nb\n"))

    def test_numbers_within_allclose_tolerance(self):
        # |x - y| <= 1e-08 + 1e-05 * |y|: 6.0000001 against 6 is within, 6.001 is not.
        self.assertTrue(apps_stdio_equal("6.0000001\n", "6\n"))
        self.assertTrue(apps_stdio_equal("1.0\n2.00000001\n", "1\n2\n"))
        self.assertFalse(apps_stdio_equal("6.001\n", "6\n"))

    def test_tokens_of_a_line_as_a_set(self):
        # APPS compares each line's tokens as a set, and the set of lines as a set: order does not matter.
        self.assertTrue(apps_stdio_equal("2 1\n", "1 2\n"))
        self.assertTrue(apps_stdio_equal("3 4\n1 2\n", "1 2\n3 4\n"))
        self.assertFalse(apps_stdio_equal("1 2 3\n", "1 2\n"))

    def test_tokens_rounded_to_three_places(self):
        self.assertTrue(apps_stdio_equal("0.3334 1\n", "0.3333 1\n"))
        self.assertFalse(apps_stdio_equal("0.335 1\n", "0.333 1\n"))

    def test_wrong_answers(self):
        self.assertFalse(apps_stdio_equal("4\n", "3\n"))
        self.assertFalse(apps_stdio_equal("", "3\n"))
        self.assertFalse(apps_stdio_equal("YES\n", "yes\n"))
        self.assertFalse(apps_stdio_equal("1\n2\n", "1\n"))

    def test_empty_against_empty(self):
        self.assertTrue(apps_stdio_equal("", ""))
        self.assertTrue(apps_stdio_equal("\n", ""))

    def test_non_numbers_are_not_a_tolerance_match(self):
        self.assertTrue(apps_stdio_equal("nan\n", "nan\n"))
        self.assertFalse(apps_stdio_equal("inf\n", "1e309x\n"))


class Allclose(unittest.TestCase):
    """numpy.allclose(a, b) with rtol 1e-05, atol 1e-08, for two float lists of one length."""

    def test_tolerance_is_relative_to_the_second_argument(self):
        self.assertTrue(allclose([100.0009], [100.0]))    # 0.0009 <= 1e-08 + 1e-05 * 100 = 0.00100001
        self.assertFalse(allclose([100.0011], [100.0]))
        # Asymmetric, as numpy's: d = 10.00005 is within 1e-08 + 1e-05 * 1000010.00005 = 10.00010,
        # but not within 1e-08 + 1e-05 * 1000000 = 10.00000001.
        self.assertTrue(allclose([1000000.0], [1000010.00005]))
        self.assertFalse(allclose([1000010.00005], [1000000.0]))
        self.assertTrue(allclose([0.0], [1e-08]))         # atol alone
        self.assertFalse(allclose([0.0], [1e-07]))

    def test_nan_and_infinity(self):
        self.assertFalse(allclose([math.nan], [math.nan]))   # numpy's equal_nan=False
        self.assertTrue(allclose([math.inf], [math.inf]))    # equal values
        self.assertFalse(allclose([math.inf], [1e308]))
        self.assertFalse(allclose([-math.inf], [math.inf]))

    def test_every_element(self):
        self.assertTrue(allclose([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]))
        self.assertFalse(allclose([1.0, 2.0, 3.5], [1.0, 2.0, 3.0]))
        self.assertTrue(allclose([], []))


class CallBasedEquality(unittest.TestCase):
    """APPS testing_util's call-based branch, on decoded return values and the expected JSON."""

    def test_plain_values(self):
        self.assertTrue(apps_call_equal(9, 9))
        self.assertFalse(apps_call_equal(9, 10))
        self.assertTrue(apps_call_equal("ab", "ab"))
        self.assertFalse(apps_call_equal(True, False))

    def test_expected_wrapped_in_a_list(self):
        # APPS stores many outputs as [value]: the value itself matches.
        self.assertTrue(apps_call_equal(9, [9]))
        self.assertTrue(apps_call_equal([2, 3], [[2, 3]]))
        self.assertTrue(apps_call_equal([2, 3], [2, 3]))

    def test_tuples_are_lists(self):
        self.assertTrue(apps_call_equal((2, 3), [[2, 3]]))
        self.assertTrue(apps_call_equal([(1, 2), (3, 4)], [[[1, 2], [3, 4]]]))

    def test_dict_keys_come_back_as_ints(self):
        self.assertTrue(apps_call_equal({1: 2, 2: 1}, [{"1": 2, "2": 1}]))
        self.assertTrue(apps_call_equal({1: 2}, {"1": 2}))
        self.assertFalse(apps_call_equal({1: 3}, [{"1": 2}]))

    def test_a_set_is_not_a_list(self):
        self.assertFalse(apps_call_equal(frozenset({1, 2}), [[1, 2]]))

    def test_opaque_objects_equal_nothing(self):
        self.assertFalse(apps_call_equal(Opaque("Eq: <Eq>"), [1]))
        self.assertFalse(Opaque("x") == Opaque("x"))
        self.assertEqual(repr(Opaque("Eq: x")), "<Eq: x>")


class DecodingReturnValues(unittest.TestCase):
    """The worker's tagged JSON form of a return value (worker.encode_value) back to Python values."""

    def test_tags(self):
        self.assertEqual(decode_value({"l": [1, {"t": [2, 3]}]}), [1, (2, 3)])
        self.assertEqual(decode_value({"d": [[1, "a"], [{"t": [1, 2]}, None]]}), {1: "a", (1, 2): None})
        self.assertEqual(decode_value({"s": [1, 2]}), frozenset({1, 2}))
        self.assertEqual(decode_value(1.5), 1.5)
        self.assertIsInstance(decode_value({"o": "Eq: <Eq>"}), Opaque)

    def test_unknown_tags_are_opaque(self):
        self.assertIsInstance(decode_value({"zz": 1}), Opaque)


class WrongAnswerMessage(unittest.TestCase):

    def test_first_differing_line(self):
        self.assertEqual(stdio_diff("1\n4\n", "1\n3\n"), "line 2: expected '3', got '4'")

    def test_line_counts(self):
        self.assertEqual(stdio_diff("1\n", "1\n2\n"), "expected 2 lines, got 1")

    def test_long_lines_are_cut(self):
        message = stdio_diff("x" * 200, "y" * 200)
        self.assertIn("...", message)
        self.assertLess(len(message), 200)

    def test_truncate(self):
        self.assertEqual(judging.truncate("abcdef", 5), "ab...")
        self.assertEqual(judging.truncate("abc", 5), "abc")


if __name__ == "__main__":
    unittest.main()
