#ifndef EDDY_CMALLOC_SHIM_H
#define EDDY_CMALLOC_SHIM_H
/* glibc's allocator controls (mallopt), which the Glibc module does not import. */
#include <malloc.h>
#endif
