#ifndef EDDY_CLIBFFI_SHIM_H
#define EDDY_CLIBFFI_SHIM_H
#include <ffi.h>
#endif
