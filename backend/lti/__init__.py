"""LTI 1.3 Advantage: registration, launch, Deep Linking, grade passback (AGS) and roster (NRPS)."""
