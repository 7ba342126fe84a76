"""Chat probes (issue 16, item 3): the scan's passages, and title prompts, asked through the model's chat template.

A stage after the scan and before the report: `probes.run_chat_probes` adds the `chat` record to a
ScanResult; `align` locates an answer in the manuscript. The verdict never reads it.
"""
