"""Grading: question banks, the student's ``check`` and the instructor's grader."""

from .spec import Case, CaseResult, Question, QuestionResult
from .registry import all_questions, get_question, questions_for

__all__ = ["Case", "CaseResult", "Question", "QuestionResult", "all_questions", "get_question", "questions_for"]
