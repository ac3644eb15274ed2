"""Bundle v1: the ZIP inside the age file — manifest, cover sheet, originals."""
