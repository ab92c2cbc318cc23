"""Cases: one per missing person, with relatives, contacts, notes, a timeline and a workflow."""
