# Shortcuts; each target is one documented command.
.PHONY: test record record-assist schemas local bench

test:            ## lint + types + the offline test suite
	bash scripts/test.sh

record:          ## re-record cassettes/ against the embedded model (or SUMMARIZER_RECORD_BASE_URL)
	rm -f cassettes/test_seeds_end_to_end.yaml cassettes/test_judge_and_narrative.yaml
	SUMMARIZER_RECORD=1 python -m pytest tests/test_cassettes.py::test_seeds_end_to_end --record-mode=once -p no:cacheprovider
	SUMMARIZER_RECORD=1 python -m pytest tests/test_cassettes.py::test_judge_and_narrative --record-mode=once -p no:cacheprovider

record-assist:   ## re-record only the judge and narrative exchanges (over the recorded extractions)
	rm -f cassettes/test_judge_and_narrative.yaml
	SUMMARIZER_RECORD=1 python -m pytest tests/test_cassettes.py::test_judge_and_narrative --record-mode=once -p no:cacheprovider

schemas:         ## regenerate schemas/ from the models
	python -m summarizer.schemas schemas

local:           ## install the embedded model and run it on the seeds
	bash scripts/setup-local.sh
