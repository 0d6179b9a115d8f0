"""Grading: the grader-notebook format, the grading pipeline and the grading queue."""
