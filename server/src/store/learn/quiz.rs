//! Quizzes: the questions learners see and the answer key they never see,
//! built (and checked) from what an author sends.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    ShortText,
}

/// A question as an author sends it.
#[derive(Debug, Clone)]
pub struct QuestionSpec {
    pub kind: QuestionKind,
    pub prompt: String,
    pub points: Option<i32>,
    pub options: Option<Vec<String>>,
    pub correct_options: Option<Vec<i32>>,
    pub correct: Option<bool>,
    pub accepted_answers: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct QuizSpec {
    pub pass_mark: i32,
    pub max_attempts: Option<i32>,
    pub questions: Vec<QuestionSpec>,
}

/// The quiz as the API shows it (the activity's `quiz`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicQuiz {
    pub pass_mark: i32,
    pub max_attempts: Option<i32>,
    pub points: i32,
    pub questions: Vec<PublicQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicQuestion {
    pub number: i32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub points: i32,
    pub options: Vec<String>,
}

/// One question's right answer, stored apart from what readers see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub number: i32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correct_options: Vec<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// Trimmed and lower-cased, as answers are compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_answers: Vec<String>,
}

/// How short-text answers are compared: trimmed, inner whitespace collapsed,
/// lower-cased.
pub fn normalize_answer(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// (field, problem) pairs, as `StoreError::Invalid` carries them.
pub type Problems = Vec<(String, String)>;

/// Checks a quiz and splits it into what readers see and the key. Problems
/// name their field under `field` (`quiz.questions[2].options`).
pub fn quiz_build(spec: &QuizSpec, field: &str) -> Result<(PublicQuiz, Vec<KeyEntry>), Problems> {
    let mut problems = Vec::new();
    let mut questions = Vec::new();
    let mut keys = Vec::new();
    let mut points = 0;
    for (i, q) in spec.questions.iter().enumerate() {
        let at = |f: &str| format!("{field}.questions[{i}].{f}");
        let number = i as i32 + 1;
        let mut refuse = |f: &str, problem: &str| problems.push((at(f), problem.to_owned()));
        let choice = matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
        if !choice && q.options.is_some() {
            refuse("options", "only choice questions have options");
        }
        if !choice && q.correct_options.is_some() {
            refuse("correct_options", "only choice questions have correct_options");
        }
        if q.kind != QuestionKind::TrueFalse && q.correct.is_some() {
            refuse("correct", "only true_false questions have correct");
        }
        if q.kind != QuestionKind::ShortText && q.accepted_answers.is_some() {
            refuse("accepted_answers", "only short_text questions have accepted_answers");
        }
        let mut key = KeyEntry { number, correct_options: vec![], correct: None, accepted_answers: vec![] };
        let options = match q.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let options = q.options.clone().unwrap_or_default();
                if options.len() < 2 {
                    refuse("options", "a choice question needs 2 to 10 options");
                }
                let mut correct = q.correct_options.clone().unwrap_or_default();
                correct.sort_unstable();
                correct.dedup();
                if correct.is_empty() {
                    refuse("correct_options", "name the right option(s) by number, from 0");
                } else if q.kind == QuestionKind::SingleChoice && correct.len() != 1 {
                    refuse("correct_options", "a single_choice question has exactly one right option");
                } else if correct.iter().any(|c| *c < 0 || *c as usize >= options.len()) {
                    refuse("correct_options", "every right option must be one of the options' numbers");
                }
                key.correct_options = correct;
                options
            }
            QuestionKind::TrueFalse => {
                match q.correct {
                    Some(c) => key.correct = Some(c),
                    None => refuse("correct", "a true_false question needs correct (true or false)"),
                }
                vec!["true".to_owned(), "false".to_owned()]
            }
            QuestionKind::ShortText => {
                let accepted: Vec<String> =
                    q.accepted_answers.iter().flatten().map(|a| normalize_answer(a)).filter(|a| !a.is_empty()).collect();
                if accepted.is_empty() {
                    refuse("accepted_answers", "a short_text question needs at least one accepted answer");
                }
                key.accepted_answers = accepted;
                vec![]
            }
        };
        let worth = q.points.unwrap_or(1);
        points += worth;
        questions.push(PublicQuestion { number, kind: q.kind, prompt: q.prompt.clone(), points: worth, options });
        keys.push(key);
    }
    if questions.is_empty() {
        problems.push((format!("{field}.questions"), "a quiz needs at least one question".to_owned()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((PublicQuiz { pass_mark: spec.pass_mark, max_attempts: spec.max_attempts, points, questions }, keys))
}

/// A learner's answer to one question (the field its kind reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How one question scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question: i32,
    pub correct: bool,
    pub points: i32,
    pub points_awarded: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: i32,
    pub max_score: i32,
    pub passed: bool,
    pub results: Vec<QuestionResult>,
}

/// Scores answers against the key, deterministically: a question left
/// unanswered is wrong; an answer to no question, two answers to one, or an
/// answer of the wrong shape for its kind is refused (`answers[i]`). A choice
/// question is right when exactly its right options are selected; a short
/// text when it matches an accepted answer once normalized. Passed when
/// `score * 100 >= pass_mark * max_score`.
pub fn score(quiz: &PublicQuiz, key: &[KeyEntry], answers: &[Answer]) -> Result<Scored, Problems> {
    let mut problems = Vec::new();
    let mut by_question: std::collections::HashMap<i32, &Answer> = std::collections::HashMap::new();
    for (i, a) in answers.iter().enumerate() {
        let at = format!("answers[{i}]");
        let Some(q) = quiz.questions.iter().find(|q| q.number == a.question) else {
            problems.push((at, format!("the quiz has no question {}", a.question)));
            continue;
        };
        let shape_ok = match q.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => a.selected.is_some() && a.value.is_none() && a.text.is_none(),
            QuestionKind::TrueFalse => a.value.is_some() && a.selected.is_none() && a.text.is_none(),
            QuestionKind::ShortText => a.text.is_some() && a.selected.is_none() && a.value.is_none(),
        };
        if !shape_ok {
            let want = match q.kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => "`selected` (option numbers)",
                QuestionKind::TrueFalse => "`value` (true or false)",
                QuestionKind::ShortText => "`text`",
            };
            problems.push((at, format!("question {} is answered with {want} and nothing else", q.number)));
            continue;
        }
        if by_question.insert(a.question, a).is_some() {
            problems.push((at, format!("question {} is answered twice", a.question)));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut results = Vec::new();
    for q in &quiz.questions {
        let k = key.iter().find(|k| k.number == q.number);
        let correct = match (by_question.get(&q.number), k) {
            (Some(a), Some(k)) => match q.kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                    let mut chosen = a.selected.clone().unwrap_or_default();
                    chosen.sort_unstable();
                    chosen.dedup();
                    chosen == k.correct_options
                }
                QuestionKind::TrueFalse => a.value == k.correct,
                QuestionKind::ShortText => a.text.as_deref().map(normalize_answer).is_some_and(|t| k.accepted_answers.contains(&t)),
            },
            _ => false,
        };
        results.push(QuestionResult { question: q.number, correct, points: q.points, points_awarded: if correct { q.points } else { 0 } });
    }
    let score: i32 = results.iter().map(|r| r.points_awarded).sum();
    let max_score = quiz.points;
    Ok(Scored { score, max_score, passed: score * 100 >= quiz.pass_mark * max_score, results })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind) -> QuestionSpec {
        QuestionSpec { kind, prompt: "?".into(), points: None, options: None, correct_options: None, correct: None, accepted_answers: None }
    }

    #[test]
    fn a_quiz_splits_into_questions_and_a_key() {
        let spec = QuizSpec {
            pass_mark: 50,
            max_attempts: Some(2),
            questions: vec![
                QuestionSpec { options: Some(vec!["a".into(), "b".into()]), correct_options: Some(vec![1]), points: Some(3), ..q(QuestionKind::SingleChoice) },
                QuestionSpec { correct: Some(false), ..q(QuestionKind::TrueFalse) },
                QuestionSpec { accepted_answers: Some(vec!["  Paris ".into()]), ..q(QuestionKind::ShortText) },
            ],
        };
        let (quiz, key) = quiz_build(&spec, "quiz").unwrap();
        assert_eq!(quiz.points, 5);
        assert_eq!(quiz.questions[1].options, vec!["true", "false"]);
        assert_eq!(key[0].correct_options, vec![1]);
        assert_eq!(key[2].accepted_answers, vec!["paris"]);
        let public = serde_json::to_string(&quiz).unwrap();
        assert!(!public.contains("correct") && !public.contains("paris"), "{public}");
    }

    #[test]
    fn a_broken_question_is_named() {
        let spec = QuizSpec {
            pass_mark: 50,
            max_attempts: None,
            questions: vec![
                QuestionSpec { options: Some(vec!["a".into(), "b".into()]), correct_options: Some(vec![0, 1]), ..q(QuestionKind::SingleChoice) },
                QuestionSpec { options: Some(vec!["x".into()]), ..q(QuestionKind::TrueFalse) },
            ],
        };
        let problems = quiz_build(&spec, "quiz").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["quiz.questions[0].correct_options", "quiz.questions[1].options", "quiz.questions[1].correct"]);
    }

    #[test]
    fn answers_score_deterministically() {
        let spec = QuizSpec {
            pass_mark: 60,
            max_attempts: None,
            questions: vec![
                QuestionSpec { options: Some(vec!["a".into(), "b".into(), "c".into()]), correct_options: Some(vec![2, 0]), points: Some(2), ..q(QuestionKind::MultipleChoice) },
                QuestionSpec { correct: Some(true), ..q(QuestionKind::TrueFalse) },
                QuestionSpec { accepted_answers: Some(vec!["New  York".into()]), ..q(QuestionKind::ShortText) },
            ],
        };
        let (quiz, key) = quiz_build(&spec, "quiz").unwrap();
        let a = |question, selected: Option<Vec<i32>>, value, text: Option<&str>| Answer { question, selected, value, text: text.map(Into::into) };
        let s = score(&quiz, &key, &[a(1, Some(vec![0, 2, 2]), None, None), a(3, None, None, Some(" new york "))]).unwrap();
        assert_eq!((s.score, s.max_score, s.passed), (3, 4, true));
        assert_eq!(s.results.iter().map(|r| r.correct).collect::<Vec<_>>(), vec![true, false, true]);
        let s = score(&quiz, &key, &[a(1, Some(vec![0]), None, None), a(2, None, Some(true), None)]).unwrap();
        assert_eq!((s.score, s.passed), (1, false));
        let refused = score(&quiz, &key, &[a(2, Some(vec![0]), None, None), a(9, None, Some(true), None), a(3, None, None, Some("x")), a(3, None, None, Some("y"))]).unwrap_err();
        assert_eq!(refused.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), vec!["answers[0]", "answers[1]", "answers[3]"]);
    }
}
