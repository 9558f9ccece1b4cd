"""Reference data shipped with the package (postal-code coordinates)."""
