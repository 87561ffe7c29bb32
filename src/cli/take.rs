//! Taking a quiz in a terminal: plain numbered prompts on stdout, answers
//! read line by line from stdin (so a piped file works as well as a person).

use crate::core::markdown::to_plain;
use crate::pipeline::quiz::grade::{Grade, Response, grade, passes, response_json};
use crate::pipeline::quiz::{Kind, Question, Quiz};
use crate::results::Answer;
use std::io::{BufRead, Write};

/// Why a session stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The input ended before the last question was answered.
    EndOfInput,
    Io(std::io::Error),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Stop::Io(e)
    }
}

/// The result of a finished session.
#[derive(Debug, Clone)]
pub struct Finished {
    pub answers: Vec<Answer>,
    /// 0 to 1.
    pub score: f64,
    pub passed: bool,
}

/// The order choices are shown in: stable for a question (so a piped answer
/// file keeps working), not the order they are written in (where the
/// answer comes first).
fn display_order(question: &Question, texts: &[&str], sorted: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    if sorted {
        order.sort_by_key(|i| texts.get(*i).map(|t| t.to_lowercase()));
    } else {
        order.sort_by_key(|i| {
            blake3::hash(format!("{}\0{}", question.id, texts.get(*i).unwrap_or(&"")).as_bytes())
                .to_hex()
                .to_string()
        });
    }
    order
}

struct Io<'a, R, W> {
    input: &'a mut R,
    out: &'a mut W,
    /// Write each answer after its prompt (input is not a terminal, so the
    /// transcript would otherwise run the prompt into the next line).
    echo: bool,
}

impl<R: BufRead, W: Write> Io<'_, R, W> {
    fn line(&mut self, prompt: &str) -> Result<String, Stop> {
        write!(self.out, "{prompt}")?;
        self.out.flush()?;
        let mut buf = String::new();
        if self.input.read_line(&mut buf)? == 0 {
            writeln!(self.out)?;
            return Err(Stop::EndOfInput);
        }
        let answer = buf.trim().to_string();
        if self.echo {
            writeln!(self.out, "{answer}")?;
        }
        Ok(answer)
    }

    /// Asks until the answer is a list of numbers from 1 to `n`.
    fn numbers(&mut self, prompt: &str, n: usize, several: bool) -> Result<Vec<usize>, Stop> {
        loop {
            let text = self.line(prompt)?;
            let parsed: Option<Vec<usize>> = text
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<usize>()
                        .ok()
                        .filter(|v| (1..=n).contains(v))
                        .map(|v| v - 1)
                })
                .collect();
            match parsed {
                Some(v) if !v.is_empty() && (several || v.len() == 1) => return Ok(v),
                _ if several => writeln!(
                    self.out,
                    "  Please answer with numbers from 1 to {n}, separated by commas."
                )?,
                _ => writeln!(self.out, "  Please answer with one number from 1 to {n}.")?,
            }
        }
    }

    fn text_block(&mut self, md: &str, indent: &str) -> std::io::Result<()> {
        for line in to_plain(md).lines().filter(|l| !l.trim().is_empty()) {
            writeln!(self.out, "{indent}{}", line.trim())?;
        }
        Ok(())
    }
}

/// Runs the whole quiz. Nothing is recorded here; the caller records the
/// returned answers.
/// `echo` writes each answer after its prompt, for input that is not typed
/// on a terminal.
pub fn run<R: BufRead, W: Write>(
    quiz: &Quiz,
    input: &mut R,
    out: &mut W,
    echo: bool,
) -> Result<Finished, Stop> {
    let mut io = Io { input, out, echo };
    let n = quiz.questions.len();
    writeln!(
        io.out,
        "{} ({n} questions, pass mark {}%)",
        quiz.title, quiz.pass_percent
    )?;
    let mut answers = Vec::with_capacity(n);
    let mut total = 0.0;
    for (i, q) in quiz.questions.iter().enumerate() {
        writeln!(io.out)?;
        writeln!(io.out, "Question {} of {n} [{}]", i + 1, q.id)?;
        if let Some(ctx) = q.multipart.as_ref().and_then(|m| quiz.multipart.get(m)) {
            io.text_block(ctx, "")?;
        }
        io.text_block(&q.prompt, "")?;
        let (response, g) = ask(&mut io, q)?;
        total += g.fraction();
        if g.correct {
            writeln!(io.out, "Correct.")?;
        } else if g.max_points > 1.0 {
            writeln!(io.out, "{} of {} points.", g.points, g.max_points)?;
        } else {
            writeln!(io.out, "Not quite.")?;
            reveal(&mut io, q)?;
        }
        if let Some(ctx) = &q.context {
            io.text_block(ctx, "  ")?;
        }
        answers.push(Answer {
            question_id: q.id.clone(),
            response: response_json(q, &response),
            correct: g.correct,
            points: g.points,
            max_points: g.max_points,
            attempt: 1,
        });
    }
    let score = if n == 0 { 0.0 } else { total / n as f64 };
    let passed = passes(score, quiz.pass_percent);
    writeln!(io.out)?;
    writeln!(
        io.out,
        "Score: {}% ({}; the pass mark is {}%)",
        (score * 100.0 + 1e-9).floor(),
        if passed { "PASSED" } else { "NOT YET" },
        quiz.pass_percent
    )?;
    let missed: Vec<&str> = answers
        .iter()
        .filter(|a| !a.correct)
        .map(|a| a.question_id.as_str())
        .collect();
    if !missed.is_empty() {
        writeln!(io.out, "To review: {}", missed.join(", "))?;
    }
    Ok(Finished {
        answers,
        score,
        passed,
    })
}

fn ask<R: BufRead, W: Write>(
    io: &mut Io<'_, R, W>,
    q: &Question,
) -> Result<(Response, Grade), Stop> {
    let response = match &q.kind {
        Kind::MultipleChoice {
            choices,
            multiple,
            sort_answers,
            answer_index,
        } => {
            let texts: Vec<&str> = choices.iter().map(|c| c.text.as_str()).collect();
            let mut order = display_order(q, &texts, *sort_answers);
            // mdbook-quiz's prompt.answerIndex: the (single) answer at a fixed place.
            let correct = crate::pipeline::quiz::correct_indices(choices);
            if let (Some(at), [answer]) = (answer_index, correct.as_slice())
                && *at < order.len()
                && let Some(pos) = order.iter().position(|i| i == answer)
            {
                let a = order.remove(pos);
                order.insert(*at, a);
            }
            for (shown, idx) in order.iter().enumerate() {
                let text = choices
                    .get(*idx)
                    .map(|c| to_plain(&c.text))
                    .unwrap_or_default();
                writeln!(io.out, "  {}) {}", shown + 1, text.trim())?;
            }
            let prompt = if *multiple {
                "Your answers (numbers, separated by commas): "
            } else {
                "Your answer (number): "
            };
            let picked = io.numbers(prompt, order.len(), *multiple)?;
            let picked: Vec<usize> = picked
                .iter()
                .filter_map(|p| order.get(*p).copied())
                .collect();
            let r = Response::Choices(picked.clone());
            let g = grade(q, &r);
            for p in picked {
                if let Some(c) = choices.get(p)
                    && let Some(fb) = &c.feedback
                {
                    writeln!(
                        io.out,
                        "  \"{}\": {}",
                        to_plain(&c.text).trim(),
                        to_plain(fb).trim()
                    )?;
                }
            }
            return Ok((r, g));
        }
        Kind::ShortAnswer { .. } => Response::Text(io.line("Your answer: ")?),
        Kind::Tracing { program, .. } => {
            writeln!(io.out, "What does this program do?")?;
            for line in program.lines() {
                writeln!(io.out, "    {line}")?;
            }
            let compiles = loop {
                match io.line("Does it compile? (y/n): ")?.to_lowercase().as_str() {
                    "y" | "yes" => break true,
                    "n" | "no" => break false,
                    _ => writeln!(io.out, "  Please answer y or n.")?,
                }
            };
            let stdout = if compiles {
                Some(io.line("What does it print? ")?)
            } else {
                None
            };
            Response::Tracing {
                does_compile: compiles,
                stdout,
            }
        }
        Kind::Ordering { items } => {
            let texts: Vec<&str> = items.iter().map(String::as_str).collect();
            let mut order = display_order(q, &texts, false);
            if order.iter().enumerate().all(|(i, v)| i == *v) && order.len() > 1 {
                order.rotate_left(1);
            }
            for (shown, idx) in order.iter().enumerate() {
                writeln!(
                    io.out,
                    "  {}) {}",
                    shown + 1,
                    items
                        .get(*idx)
                        .map(|t| to_plain(t))
                        .unwrap_or_default()
                        .trim()
                )?;
            }
            let picked = loop {
                let p = io.numbers(
                    "Your order (all the numbers, first step first, e.g. 3,1,2): ",
                    order.len(),
                    true,
                )?;
                let mut sorted = p.clone();
                sorted.sort_unstable();
                sorted.dedup();
                if sorted.len() == order.len() && p.len() == order.len() {
                    break p;
                }
                writeln!(
                    io.out,
                    "  Please use every number from 1 to {} once.",
                    order.len()
                )?;
            };
            Response::Order(
                picked
                    .iter()
                    .filter_map(|p| order.get(*p).copied())
                    .collect(),
            )
        }
        Kind::Scenario {
            start,
            nodes,
            max_points,
            ..
        } => {
            let mut at = start.clone();
            let mut path = Vec::new();
            let mut points = 0;
            while let Some(node) = nodes.get(&at) {
                let label = [node.channel.as_deref(), node.mood.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                if let Some(outcome) = &node.outcome {
                    io.text_block(&node.says, "  Customer: ")?;
                    writeln!(
                        io.out,
                        "  Outcome: {outcome}. You earned {points} of {max_points} points."
                    )?;
                    break;
                }
                if label.is_empty() {
                    writeln!(io.out, "  Customer:")?;
                } else {
                    writeln!(io.out, "  Customer ({label}):")?;
                }
                io.text_block(&node.says, "    ")?;
                let texts: Vec<&str> = node.choices.iter().map(|c| c.text.as_str()).collect();
                let order = display_order(q, &texts, false);
                for (shown, idx) in order.iter().enumerate() {
                    writeln!(
                        io.out,
                        "  {}) {}",
                        shown + 1,
                        node.choices
                            .get(*idx)
                            .map(|c| to_plain(&c.text))
                            .unwrap_or_default()
                            .trim()
                    )?;
                }
                let pick = io.numbers("Your reply (number): ", order.len(), false)?;
                let Some(idx) = pick.first().and_then(|p| order.get(*p)).copied() else {
                    break;
                };
                let Some(choice) = node.choices.get(idx) else {
                    break;
                };
                points = i64::saturating_add(points, choice.points);
                writeln!(
                    io.out,
                    "  +{} point{}.",
                    choice.points,
                    if choice.points == 1 { "" } else { "s" }
                )?;
                if let Some(fb) = &choice.feedback {
                    io.text_block(fb, "  ")?;
                }
                path.push((at.clone(), idx));
                at = choice.next.clone();
            }
            Response::Path(path)
        }
    };
    let g = grade(q, &response);
    Ok((response, g))
}

/// After a wrong answer: what the right one was.
fn reveal<R: BufRead, W: Write>(io: &mut Io<'_, R, W>, q: &Question) -> std::io::Result<()> {
    match &q.kind {
        Kind::MultipleChoice { choices, .. } => {
            for c in choices.iter().filter(|c| c.correct) {
                writeln!(io.out, "  Right answer: {}", to_plain(&c.text).trim())?;
            }
        }
        Kind::ShortAnswer { answers, .. } => {
            if let Some(a) = answers.first() {
                writeln!(io.out, "  Right answer: {a}")?;
            }
        }
        Kind::Tracing {
            does_compile,
            stdout,
            ..
        } => {
            if *does_compile {
                writeln!(
                    io.out,
                    "  It compiles and prints: {}",
                    stdout.as_deref().unwrap_or("")
                )?;
            } else {
                writeln!(io.out, "  It does not compile.")?;
            }
        }
        Kind::Ordering { items } => {
            writeln!(io.out, "  The right order:")?;
            for (i, item) in items.iter().enumerate() {
                writeln!(io.out, "    {}. {}", i + 1, to_plain(item).trim())?;
            }
        }
        Kind::Scenario { .. } => {}
    }
    Ok(())
}
