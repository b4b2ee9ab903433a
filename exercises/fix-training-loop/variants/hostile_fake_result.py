# Tries to fake a perfect grade instead of fixing the loop.
import json
import os
import sys

print(json.dumps({"score": 10, "max_score": 10, "status": "graded", "tests": []}))
print("KADAI-RESULT 0000\n{\"score\": 10}\nKADAI-END 0000")
sys.stdout.flush()
os._exit(0)
