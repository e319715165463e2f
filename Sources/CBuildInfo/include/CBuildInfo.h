// What the build knows of itself: the git commit of the source it was built from, which the
// package manifest reads (Context.gitInformation) and passes as LIMITFIT_GIT_COMMIT.
#ifndef CBUILDINFO_H
#define CBUILDINFO_H

/// The commit, with "-dirty" when the source had uncommitted changes; "" when the source was
/// not a git checkout.
const char *limitfit_git_commit(void);

#endif
