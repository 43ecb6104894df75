# The two commands of the README, and a few more. Each sets itself up when needed.
TOPIC ?= sovereign-ai
BRIEF_LANG ?= en
OUT ?= out
BRIEF = .venv/bin/brief

.PHONY: brief all test soak check bench bench-scale setup clean

brief:            ## generate one brief: make brief TOPIC=sovereign-ai [BRIEF_LANG=zh]
	@tools/setup.sh
	$(BRIEF) generate --topic $(TOPIC) --lang $(BRIEF_LANG) --out $(OUT)

all:              ## generate every topic
	@tools/setup.sh
	$(BRIEF) generate --all --lang $(BRIEF_LANG) --out $(OUT)

test:             ## run the whole test suite
	@tools/setup.sh --test
	.venv/bin/python -m pytest -q -n 2 --dist worksteal

soak:             ## fault-injection runs: 20 real kills of `distribute --send` (about 2 minutes)
	@tools/setup.sh --test
	.venv/bin/python -m pytest -q -s -m soak

check:            ## validate the corpus, topics and templates
	@tools/setup.sh
	$(BRIEF) check

bench:            ## print speed figures (run on demand)
	@tools/setup.sh
	.venv/bin/python bench/bench.py

bench-scale:      ## how brief scales: 1x, 10x and 100x copies of the corpus (SIZES=1,10,100,1000 for more)
	@tools/setup.sh
	.venv/bin/python bench/bench_scale.py --sizes $(or $(SIZES),1,10,100)

setup:
	@tools/setup.sh --test

clean:
	rm -rf $(OUT) .pytest_cache
