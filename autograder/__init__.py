"""Instructor tooling for grading the course's nbgrader assignments with a real class.

``python -m autograder grade <assignment>`` grades every submission in
``submitted/<student>/<assignment>/`` one student at a time, in a sandboxed kernel,
with a scan of the submitted code before it runs and a guard inside the kernel that
turns calls into the reference implementations (convkit, torch's convolutions,
scipy.signal / scipy.ndimage) from student code into errors. It writes a CSV with a
status per student and feedback pages without the hidden tests.

What an assignment forbids is its :class:`convgrade.GradingPolicy` (``solutions/<a>/grading.json``
over the defaults), which the scan, the guard and the batch command all read.

Modules: :mod:`autograder.batch` (the class command), :mod:`autograder.scan` (static scan),
:mod:`autograder.guard` (kernel-side forbidden-call guard), :mod:`autograder.execute` (the guard's
report after every cell), :mod:`autograder.kernel` (kernel entry point),
:mod:`autograder.config` (typed configuration, names of environment variables),
:mod:`autograder.sandbox` (finding bwrap, the kernelspec), :mod:`autograder.bwrap` (the bwrap
command line), :mod:`autograder.launcher` (limits and start of one kernel),
:mod:`autograder.reports` (what happened to a kernel), :mod:`autograder.errors`,
:mod:`autograder.feedback`, :mod:`autograder.preprocessors`.
"""
