#include "COpenCL.h"

#include <dlfcn.h>
#include <stdio.h>

int copencl_load(const char *path, COpenCLFunctions *functions, char *reason, size_t reason_size) {
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(reason, reason_size, "%s", dlerror());
    return -1;
  }
#define LOAD(name)                                                                \
  do {                                                                            \
    *(void **)(&functions->name) = dlsym(library, "cl" #name);                    \
    if (functions->name == NULL) {                                                \
      snprintf(reason, reason_size, "%s has no symbol cl" #name, path);           \
      return -1;                                                                  \
    }                                                                             \
  } while (0)
  LOAD(GetPlatformIDs);
  LOAD(GetPlatformInfo);
  LOAD(GetDeviceIDs);
  LOAD(GetDeviceInfo);
  LOAD(CreateContext);
  LOAD(ReleaseContext);
  LOAD(CreateCommandQueue);
  LOAD(ReleaseCommandQueue);
  LOAD(CreateProgramWithSource);
  LOAD(CreateProgramWithBinary);
  LOAD(GetProgramInfo);
  LOAD(BuildProgram);
  LOAD(GetProgramBuildInfo);
  LOAD(ReleaseProgram);
  LOAD(CreateKernel);
  LOAD(ReleaseKernel);
  LOAD(GetKernelInfo);
  LOAD(GetKernelArgInfo);
  LOAD(SetKernelArg);
  LOAD(CreateBuffer);
  LOAD(ReleaseMemObject);
  LOAD(EnqueueWriteBuffer);
  LOAD(EnqueueReadBuffer);
  LOAD(EnqueueNDRangeKernel);
  LOAD(Finish);
#undef LOAD
  return 0;
}
