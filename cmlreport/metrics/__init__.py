"""Pure metric logic: loading, diffing, slices and gates. No I/O, environment or clock."""
