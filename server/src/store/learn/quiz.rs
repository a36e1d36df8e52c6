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
}
