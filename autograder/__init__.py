"""Instructor tooling for grading the course's nbgrader assignments with a real class.

``python -m autograder grade <assignment>`` grades every submission in
``submitted/<student>/<assignment>/`` one student at a time, in a sandboxed kernel,
with a scan of the submitted code before it runs and a guard inside the kernel that
turns calls into the reference implementations (convkit, torch's convolutions,
scipy.signal / scipy.ndimage) from student code into errors. It writes a CSV with a
status per student and feedback pages without the hidden tests.

Modules: :mod:`autograder.scan` (static scan), :mod:`autograder.guard` (kernel-side
forbidden-call guard), :mod:`autograder.kernel` (kernel entry point),
:mod:`autograder.sandbox` (bubblewrap launcher and kernelspec),
:mod:`autograder.batch` (the class command), :mod:`autograder.feedback`.
"""
