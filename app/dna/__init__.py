"""DNA identification of remains (pure): profiles, allele frequencies, kinship likelihood
ratios through a family's pedigree, screening at scale and the reviewer's consistency checks.
No Flask and no database: plain values in, plain values out."""
