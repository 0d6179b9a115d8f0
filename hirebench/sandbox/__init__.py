"""Host side of the grading sandbox: the Docker image (image.py) and, later, the runner."""
