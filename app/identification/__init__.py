"""DNA identification in the application: reference samples, laboratory files, screening runs,
proposals and their handoff to the two-person remains link. The calculations are app.dna's."""
