"""Jobs: the job profile format and the profile versions in the database."""
