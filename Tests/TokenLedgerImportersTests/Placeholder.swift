// Placeholder so the test target builds before its room has tests; delete when the first real test lands.
