"""Reviews: rubrics, the review workflow and rater agreement."""
