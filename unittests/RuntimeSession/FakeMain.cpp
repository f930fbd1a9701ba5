//===- FakeMain.cpp - the fake model as an executable ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// What ost-compile's object provides to ostmain, for the fake model: the
// executable FakeModelMain is this file + FakeModel.cpp + ostmain.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

extern "C" const ostrt_model_info *ost_main_model_info(void) {
  return &fake::getInfo();
}
