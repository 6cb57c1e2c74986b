"""Teaching: generated problems, quizzes and the practice session, built on the three stages
(reading, deriving, rendering) and never re-deriving what the solver gives."""
