// The OpenCL C API's types and constants (from opencl-headers), and a table of the entry
// points limitfit uses, filled at run time from libOpenCL.so.1 with dlopen. Nothing here links
// against OpenCL, so a binary built with it starts, and falls back, on machines without it.
//
// A private helper module: no stable API.
#ifndef COPENCL_H
#define COPENCL_H

#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <stddef.h>

/// The OpenCL entry points limitfit calls; each field has the type of the function it names.
typedef struct {
  __typeof__(&clGetPlatformIDs) GetPlatformIDs;
  __typeof__(&clGetPlatformInfo) GetPlatformInfo;
  __typeof__(&clGetDeviceIDs) GetDeviceIDs;
  __typeof__(&clGetDeviceInfo) GetDeviceInfo;
  __typeof__(&clCreateContext) CreateContext;
  __typeof__(&clReleaseContext) ReleaseContext;
  __typeof__(&clCreateCommandQueue) CreateCommandQueue;
  __typeof__(&clReleaseCommandQueue) ReleaseCommandQueue;
  __typeof__(&clCreateProgramWithSource) CreateProgramWithSource;
  __typeof__(&clCreateProgramWithBinary) CreateProgramWithBinary;
  __typeof__(&clGetProgramInfo) GetProgramInfo;
  __typeof__(&clBuildProgram) BuildProgram;
  __typeof__(&clGetProgramBuildInfo) GetProgramBuildInfo;
  __typeof__(&clReleaseProgram) ReleaseProgram;
  __typeof__(&clCreateKernel) CreateKernel;
  __typeof__(&clReleaseKernel) ReleaseKernel;
  __typeof__(&clGetKernelInfo) GetKernelInfo;
  __typeof__(&clGetKernelArgInfo) GetKernelArgInfo;
  __typeof__(&clSetKernelArg) SetKernelArg;
  __typeof__(&clCreateBuffer) CreateBuffer;
  __typeof__(&clReleaseMemObject) ReleaseMemObject;
  __typeof__(&clEnqueueWriteBuffer) EnqueueWriteBuffer;
  __typeof__(&clEnqueueReadBuffer) EnqueueReadBuffer;
  __typeof__(&clEnqueueNDRangeKernel) EnqueueNDRangeKernel;
  __typeof__(&clFinish) Finish;
} COpenCLFunctions;

/// Opens the OpenCL library at `path` (a file name searched as dlopen does, or a path) and
/// fills `functions`. Returns 0 on success; otherwise writes a one-line reason into `reason`
/// (at most `reason_size` bytes) and returns -1. The library stays loaded for the process.
int copencl_load(const char *path, COpenCLFunctions *functions, char *reason, size_t reason_size);

#endif
