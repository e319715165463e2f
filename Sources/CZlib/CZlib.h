// zlib's API (Debian: zlib1g-dev), for the gzip-compressed qrels and corpus files.
#include <zlib.h>
