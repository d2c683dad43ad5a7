"""Train and evaluate the quality model (scikit-learn; never imported on the hook path)."""
