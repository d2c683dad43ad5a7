"""Mine git history into the quality model's training dataset (offline; never on the hook path)."""
