"""Forms that more than one area shows (a blueprint and an admin view): kept here so that
neither imports the other. A form used by one area stays beside its views."""
