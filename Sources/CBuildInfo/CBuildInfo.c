#include "CBuildInfo.h"

#ifndef LIMITFIT_GIT_COMMIT
#define LIMITFIT_GIT_COMMIT ""
#endif

const char *limitfit_git_commit(void) { return LIMITFIT_GIT_COMMIT; }
