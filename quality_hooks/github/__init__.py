"""The GitHub Action: judge a pull request or push and report where people look.

``action`` is the entry point; ``report`` is the plain-data result that can
cross a trust boundary (fork-safe workflows); ``publish`` talks to GitHub
through PyGithub; ``workflow`` speaks the runner's file and command protocols.
"""
