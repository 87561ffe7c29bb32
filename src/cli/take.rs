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

/// How a session writes to its output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Write each answer after its prompt (input is not a terminal, so the
    /// transcript would otherwise run the prompt into the next line).
    pub echo: bool,
    /// Wrap text to this many columns (the terminal's width); `None` writes
    /// each paragraph on one line.
    pub width: Option<usize>,
}

/// An article the quiz covers, as "Read again" names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub title: String,
    /// Where to read it: the file, relative to the handbook's root.
    pub path: String,
}

/// Fewer columns than this are not worth wrapping to.
const MIN_WIDTH: usize = 20;

/// `prefix` then `text`, wrapped at word boundaries to `width` columns (in
/// characters), later lines indented as far as `prefix` reaches. Without a
/// width, one line as written.
pub fn wrap(prefix: &str, text: &str, width: Option<usize>) -> Vec<String> {
    let Some(width) = width.filter(|w| *w >= MIN_WIDTH) else {
        return vec![format!("{prefix}{text}")];
    };
    let reach = prefix.chars().count();
    let room = width.saturating_sub(reach).max(MIN_WIDTH / 2);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if len > 0 && len + 1 + n > room {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += n;
    }
    lines.push(line);
    let indent = " ".repeat(reach);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{prefix}{l}")
            } else {
                format!("{indent}{l}")
            }
        })
        .collect()
}

struct Io<'a, R, W> {
    input: &'a mut R,
    out: &'a mut W,
    style: Style,
}

impl<R: BufRead, W: Write> Io<'_, R, W> {
    fn line(&mut self, prompt: &str) -> Result<String, Stop> {
        // A long prompt wraps like any text; the answer goes after its last line.
        let mut lines = wrap("", prompt.trim_end(), self.style.width);
        let last = lines.pop().unwrap_or_default();
        for l in lines {
            writeln!(self.out, "{l}")?;
        }
        write!(self.out, "{last} ")?;
        self.out.flush()?;
        let mut buf = String::new();
        if self.input.read_line(&mut buf)? == 0 {
            writeln!(self.out)?;
            return Err(Stop::EndOfInput);
        }
        let answer = buf.trim().to_string();
        if self.style.echo {
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
                _ if several => self.say(
                    "  ",
                    &format!("Please answer with numbers from 1 to {n}, separated by commas."),
                )?,
                _ => self.say(
                    "  ",
                    &format!("Please answer with one number from 1 to {n}."),
                )?,
            }
        }
    }

    /// Writes `prefix` and `text` as one paragraph, wrapped to the width.
    fn say(&mut self, prefix: &str, text: &str) -> std::io::Result<()> {
        for line in wrap(prefix, text, self.style.width) {
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Writes Markdown as plain text, each non-blank line a paragraph after
    /// `indent`.
    fn text_block(&mut self, md: &str, indent: &str) -> std::io::Result<()> {
        for line in to_plain(md).lines().filter(|l| !l.trim().is_empty()) {
            self.say(indent, line.trim())?;
        }
        Ok(())
    }
}

/// Runs the whole quiz. Nothing is recorded here; the caller records the
/// returned answers. `reading` is what the quiz covers, named at the end
/// when a question was missed.
pub fn run<R: BufRead, W: Write>(
    quiz: &Quiz,
    reading: &[Reading],
    input: &mut R,
    out: &mut W,
    style: Style,
) -> Result<Finished, Stop> {
    let mut io = Io { input, out, style };
    let n = quiz.questions.len();
    io.say(
        "",
        &format!(
            "{} ({n} questions, pass mark {}%)",
            quiz.title, quiz.pass_percent
        ),
    )?;
    let mut answers = Vec::with_capacity(n);
    let mut total = 0.0;
    for (i, q) in quiz.questions.iter().enumerate() {
        writeln!(io.out)?;
        io.say("", &format!("Question {} of {n} [{}]", i + 1, q.id))?;
        if let Some(ctx) = q.multipart.as_ref().and_then(|m| quiz.multipart.get(m)) {
            io.text_block(ctx, "")?;
        }
        io.text_block(&q.prompt, "")?;
        let (response, g) = ask(&mut io, q)?;
        total += g.fraction();
        if matches!(q.kind, Kind::Scenario { .. }) {
            // Its ending already said the points earned.
        } else if g.correct {
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
    io.say(
        "",
        &format!(
            "Score: {}% ({}; the pass mark is {}%)",
            (score * 100.0 + 1e-9).floor(),
            if passed { "PASSED" } else { "NOT YET" },
            quiz.pass_percent
        ),
    )?;
    to_review(&mut io, quiz, &answers, reading)?;
    Ok(Finished {
        answers,
        score,
        passed,
    })
}

/// After the score: each question answered wrong, by its number and prompt,
/// and the articles the quiz covers, to read again.
fn to_review<R: BufRead, W: Write>(
    io: &mut Io<'_, R, W>,
    quiz: &Quiz,
    answers: &[Answer],
    reading: &[Reading],
) -> std::io::Result<()> {
    let missed: Vec<(usize, &Question)> = quiz
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| answers.iter().any(|a| a.question_id == q.id && !a.correct))
        .collect();
    if missed.is_empty() {
        return Ok(());
    }
    writeln!(io.out, "To review:")?;
    for (i, q) in missed {
        io.say(&format!("  {}. ", i + 1), &first_line(&q.prompt))?;
    }
    if !reading.is_empty() {
        writeln!(io.out, "Read again:")?;
        for r in reading {
            io.say("  - ", &format!("{} ({})", r.title, r.path))?;
        }
    }
    Ok(())
}

/// A prompt's first paragraph as plain text, cut to 100 characters.
fn first_line(prompt: &str) -> String {
    let plain = to_plain(prompt);
    let line = plain
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(99).collect::<String>())
    } else {
        line.to_string()
    }
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
                io.say(&format!("  {}) ", shown + 1), text.trim())?;
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
                    let line = format!("\"{}\": {}", to_plain(&c.text).trim(), to_plain(fb).trim());
                    io.say("  ", &line)?;
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
                let text = items.get(*idx).map(|t| to_plain(t)).unwrap_or_default();
                io.say(&format!("  {}) ", shown + 1), text.trim())?;
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
                    io.say(
                        "  ",
                        &format!("Outcome: {outcome}. You earned {points} of {max_points} points."),
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
                    let text = node
                        .choices
                        .get(*idx)
                        .map(|c| to_plain(&c.text))
                        .unwrap_or_default();
                    io.say(&format!("  {}) ", shown + 1), text.trim())?;
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
                    "  {:+} point{}.",
                    choice.points,
                    if choice.points.abs() == 1 { "" } else { "s" }
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
                io.say("  Right answer: ", to_plain(&c.text).trim())?;
            }
        }
        Kind::ShortAnswer { answers, .. } => {
            if let Some(a) = answers.first() {
                io.say("  Right answer: ", a)?;
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
                io.say(&format!("    {}. ", i + 1), to_plain(item).trim())?;
            }
        }
        Kind::Scenario { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_words_and_indents_as_far_as_the_prefix() {
        assert_eq!(
            wrap(
                "  1) ",
                "Send the standard troubleshooting template",
                Some(24)
            ),
            [
                "  1) Send the standard",
                "     troubleshooting",
                "     template"
            ]
        );
        // No width: one line, as written.
        assert_eq!(wrap("- ", "a  b", None), ["- a  b"]);
        // A word longer than the room stands on its own line.
        assert_eq!(
            wrap("", "see https://example.com/a/very/long/path now", Some(20)),
            ["see", "https://example.com/a/very/long/path", "now"]
        );
        // Too narrow to be a terminal: not wrapped.
        assert_eq!(wrap("", "a b c", Some(5)), ["a b c"]);
    }
}
