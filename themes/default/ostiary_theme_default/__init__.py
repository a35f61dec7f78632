"""The default Ostiary theme: templates/ and static/ are its assets."""
