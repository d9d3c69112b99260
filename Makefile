# Shortcuts; each target is one documented command.
.PHONY: test record schemas local bench

test:            ## lint + types + the offline test suite
	bash scripts/test.sh

record:          ## re-record cassettes/ against the embedded model (or SUMMARIZER_RECORD_BASE_URL)
	rm -f cassettes/test_seeds_end_to_end.yaml
	SUMMARIZER_RECORD=1 python -m pytest tests/test_cassettes.py::test_seeds_end_to_end --record-mode=once -p no:cacheprovider

schemas:         ## regenerate schemas/ from the models
	python -m summarizer.schemas schemas

local:           ## install the embedded model and run it on the seeds
	bash scripts/setup-local.sh
