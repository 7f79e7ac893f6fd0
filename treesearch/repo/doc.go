// Package repo is codetree's repository mode (codetree solve, codetree
// fix): the search works on a copy of a developer's Go or Python
// repository and hands back a unified diff.
//
// # Solve
//
// Solve is the whole of codetree solve and codetree fix over Options (the
// snapshot, the task or Fix, the model, a sandbox.Runner, a strategy): the
// checks before any change (a dependency the sandbox cannot reach offline
// is an error that says what to do), the files the model reads, the
// search, and a Result as data: the change as a diff, the checks before
// and after, the tree, the accounts, or that there was nothing to fix. A
// change that does not pass is a Result, not an error. Solve writes
// nothing to the working tree; WriteResult does, for a passing change.
// Progress reports the steps for a status line; WriteText and WriteJSON
// render a Result.
//
// # Snapshot
//
// Load reads the repository once into a Snapshot: the text files git would
// list (tracked and untracked but not ignored), or, outside a git work
// tree, the files a walk finds under the top-level .gitignore. Symlinks
// that leave the repository, files over the size limit and binary files
// are left out and listed in Snapshot.Skipped with the reason. A
// repository larger than the total limit is an error (ErrTooLarge), never
// a silently truncated copy. The search only ever changes copies of
// Snapshot.Files; the working tree is untouched until WriteChanges.
//
// # Edits
//
// Apply applies SEARCH/REPLACE edits all or nothing: it returns a new map
// with every edit applied, or an *ApplyError naming every edit that failed
// and why, in text meant for the model. SEARCH must match exactly one
// place in the file, exactly or, failing that, up to trailing whitespace
// or a uniform difference of indentation. A SEARCH that matches more than
// once is a failure, never a guess. Paths stay inside the repository and
// out of .git.
//
// # Diff and write-back
//
// Diff renders the change between two file sets as a git-style unified
// diff that git apply and patch -p1 both apply. WriteChanges writes a
// change into the working tree only when every file it touches is still
// as Load read it; otherwise it writes nothing and returns a
// *ConflictError naming the files that changed.
//
// # Search
//
// Coder (a treesearch.Coder) asks the agent's Editor for edits; a
// candidate is its whole edit script from the snapshot, so that a repair
// extends its parent's edits and every candidate can be rebuilt alone.
// Tester (the search's tester) applies a script and runs the repository's
// test and lint commands in one sandbox run: edits that do not apply, a
// failing test run and new lint findings are feedback, only sandbox
// failures are errors. MentionedFiles, SourceFiles and Fit choose the
// files the model reads in full.
package repo
