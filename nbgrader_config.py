"""nbgrader configuration for the course.

The repository doubles as the nbgrader course directory: source notebooks
live in ``solutions/`` and the generated student versions in ``exercises/``.
``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db`` are
created by nbgrader when an instructor grades and are never committed.
"""

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "convkit-cnn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# solutions/<assignment>/grading.json is the class grader's policy for the assignment (convgrade.policy):
# instructor material, not copied into the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "grading.json"]

# The stub a student sees in place of each solution: convgrade.release.NamedClearSolutions names
# the function in it ("corr2d: replace this line with your code"); this one is for other languages.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# generate_assignment: named stubs, and the scorecard cells appended to every released notebook
# (after the gradebook has recorded the cells, so they are neither graded nor restored).
from convgrade.release import release_preprocessors as _release_preprocessors  # noqa: E402

c.GenerateAssignment.preprocessors = _release_preprocessors()

# A student who deletes a graded cell gets it back (otherwise it exports as 0 with no trace).
c.OverwriteCells.add_missing_cells = True

# Per-cell time limit while autograding. Training cells in chapters 07, 09-12 stay well below it.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Waits that must not decide a grade on a busy machine: a kernel's start-up, and the output
# (error messages included: an error that arrives late would leave a failed test with full
# marks) that follows a cell's reply. Generous backstops; on a quiet machine nothing waits.
# The class grader also counts the per-cell limit in CPU time (autograder.loadsafe).
c.Execute.startup_timeout = 300
c.Execute.iopub_timeout = 60

# Keep graded notebooks and feedback readable even if a submission prints a flood.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# nbgrader scores a test cell 0 when anything reaches stderr while it runs (a debug print, a numpy
# warning): this keeps such output as "[stderr] ..." lines on stdout instead, so a test cell's score
# depends only on whether its code ran to the end (autograder.preprocessors.StderrToStdout).
from autograder.preprocessors import keep_stderr_pipeline as _keep_stderr_pipeline  # noqa: E402

c.Autograde.autograde_preprocessors = _keep_stderr_pipeline()

# Class grading (`python -m autograder grade <assignment>`, see book/instructor-guide.md) adds its
# own settings for each run: the sandboxed, guarded grading kernel (Execute.kernel_name, IPC
# transport) and a preprocessor that clips long outputs. It writes them to a file and points
# AUTOGRADER_CONFIG (autograder.config.CONFIG_ENV) at it; plain `nbgrader` commands (and the grader tests) are unaffected.
import os as _os

if _os.environ.get("AUTOGRADER_CONFIG"):
    load_subconfig(_os.environ["AUTOGRADER_CONFIG"])  # noqa: F821 - provided by traitlets
