"""Generated forum posts: bag-of-words counts over a small vocabulary, one topic per post.

Nothing is downloaded. The *task* (which words each topic uses, how common each topic is) is
fixed by ``TASK_SEED`` so every run learns the same problem; the run's own seed only draws the
posts. That is what a retrain on a new sample of the same data looks like.

"Fresh" posts imitate data that arrived after the test set was frozen: people use fewer of the
words the model knows and a burst of news vocabulary spills into several topics, so the model
is less sure of itself (top-1 confidence drifts down) and recall drops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TOPICS = (
    "aww",
    "askscience",
    "baking",
    "books",
    "chess",
    "cooking",
    "cycling",
    "economics",
    "gardening",
    "history",
    "investing",
    "learnpython",
    "movies",
    "nba",
    "news",
    "nfl",
    "politics",
    "python",
    "space",
    "worldnews",
)
# Topics that share words, so some confusion is built in (as between r/python and
# r/learnpython in real data).
NEIGHBOURS = (
    ("python", "learnpython"),
    ("news", "worldnews"),
    ("news", "politics"),
    ("nba", "nfl"),
    ("baking", "cooking"),
    ("economics", "investing"),
)
BURST_TOPICS = ("news", "worldnews", "politics", "economics")

TASK_SEED = 20240521  # fixed: the problem itself, not one sample of it
VOCABULARY = 600
KEYWORDS = 24  # words typical of each topic
NEWS_WORDS = 30  # vocabulary of the news burst, rare before the test set was frozen


@dataclass(frozen=True)
class Split:
    """Posts as word counts (rows) and their topic index."""

    counts: FloatArray
    topics: IntArray


@dataclass(frozen=True)
class Task:
    """What every run shares: the topic priors and each topic's word distribution."""

    priors: FloatArray
    word_probs: FloatArray  # (topics, vocabulary), rows sum to 1
    background: FloatArray  # (vocabulary,), Zipf-like filler words
    news_words: IntArray


def make_task() -> Task:
    rng = np.random.default_rng(TASK_SEED)
    n = len(TOPICS)
    # Uneven topic sizes: the test set has classes with a few dozen posts and with hundreds.
    priors = rng.permutation(1.0 / np.arange(1, n + 1) ** 0.8)
    priors /= priors.sum()
    ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
    background = rng.permutation(1.0 / ranks)
    background /= background.sum()
    word_probs = np.zeros((n, VOCABULARY))
    for t in range(n):
        keywords = rng.choice(VOCABULARY, size=KEYWORDS, replace=False)
        word_probs[t, keywords] = rng.dirichlet(np.full(KEYWORDS, 2.0))
    index = {name: i for i, name in enumerate(TOPICS)}
    for a, b in NEIGHBOURS:
        shared = 0.35 * (word_probs[index[a]] + word_probs[index[b]]) / 2
        word_probs[index[a]] = 0.65 * word_probs[index[a]] + shared
        word_probs[index[b]] = 0.65 * word_probs[index[b]] + shared
    word_probs /= word_probs.sum(axis=1, keepdims=True)
    news_words = rng.choice(VOCABULARY, size=NEWS_WORDS, replace=False).astype(np.int64)
    return Task(priors, word_probs, background, news_words)


def sample(
    task: Task,
    rng: np.random.Generator,
    size: int,
    *,
    topical: float = 0.16,
    burst: float = 0.0,
) -> Split:
    """``size`` posts; ``topical`` is the share of a post's words drawn from its topic,
    ``burst`` the share drawn from the news vocabulary (in any topic)."""
    n = len(TOPICS)
    topics = rng.choice(n, size=size, p=task.priors).astype(np.int64)
    lengths = rng.poisson(30, size=size) + 5
    news = np.zeros(VOCABULARY)
    news[task.news_words] = 1.0 / len(task.news_words)
    burst_ids = {TOPICS.index(t) for t in BURST_TOPICS}
    counts = np.zeros((size, VOCABULARY))
    for t in range(n):
        rows = np.flatnonzero(topics == t)
        if rows.size == 0:
            continue
        # The news burst is heavier in the news-like topics, yet reaches every topic.
        b = burst * (2.0 if t in burst_ids else 0.5)
        p = topical * task.word_probs[t] + b * news + (1.0 - topical - b) * task.background
        counts[rows] = rng.multinomial(lengths[rows], p)
    return Split(counts, topics)


@dataclass(frozen=True)
class Dataset:
    train: Split
    val: Split
    test: Split
    fresh: Split


def make_dataset(seed: int) -> Dataset:
    task = make_task()
    rng = np.random.default_rng(seed)
    return Dataset(
        train=sample(task, rng, 6000),
        val=sample(task, rng, 1500),
        test=sample(task, rng, 2000),
        fresh=sample(task, rng, 1500, topical=0.12, burst=0.1),
    )
