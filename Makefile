# ost: two commands do everything (see README.md).
#   make demo   install deps, build, run ost-opt on the built-in sample
#   make test   install deps, build, run every test (lit + gtest via ctest)
.PHONY: all deps build demo test docs clean

all: build

deps:
	bash scripts/install-deps.sh

build:
	bash scripts/build.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

docs: build
	cmake --build $${OST_BUILD_DIR:-build} --target ost-docs

clean:
	rm -rf $${OST_BUILD_DIR:-build}
