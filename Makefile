# mmunirgbir entry points. `make demo` and `make test` each set up a fresh
# machine first (tools/install.sh is idempotent and fast once done).
PYTHON ?= python3
export PYTHON

.PHONY: install demo test clean

install:
	bash tools/install.sh

demo: install
	$(PYTHON) tools/demo.py

# two pytest-xdist workers with a core each (tests/conftest.py)
test: install
	$(PYTHON) -m pytest tests -n 2

clean:
	rm -rf work_dirs build dist *.egg-info mmunirgbir/.mim
