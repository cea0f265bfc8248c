// Package layering holds only tests: they check that the code keeps the architecture
// DEVELOPERS.md draws. The domain (investigate) does no I/O and knows no adapter; the
// TUI talks to the domain only; adapters never reach up into the faces or fixtures; and
// every package says in a doc comment what it holds. They read `go list` and fail on
// any import that crosses a line, naming the package and the import.
package layering
