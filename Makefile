# The two commands a user needs: `make demo` and `make test`. Both run set-up first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: setup configure build demo test bench clean

setup:
	bash scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/lever train configs/demo.json --run-dir runs/demo --overwrite
	$(BUILD)/lever play runs/demo --out runs/demo/agent.mp4 --steps 500 --deterministic
	@echo "demo: the trained agent (final.pt), reward_curve.png, agent.mp4 and the TensorBoard log are in runs/demo/"

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

bench: build
	$(BUILD)/lever bench envs
	$(BUILD)/lever bench ppo

clean:
	rm -rf $(BUILD)
