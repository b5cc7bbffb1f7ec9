"""Text to a small MP3: espeak-ng's Vietnamese voice, then lame (Debian packages, .ci/system-deps.sh).

Pure functions around two subprocesses; nothing here touches the database or the storage.
"""

import hashlib
import json
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# How long one recording may take (espeak-ng speaks about 500 times faster than real time here).
SUBPROCESS_TIMEOUT = 120


class SpeechUnavailable(RuntimeError):
    """espeak-ng or lame is not installed."""


@dataclass(frozen=True)
class Recording:
    data: bytes
    duration_ms: int


def voice_settings() -> dict[str, object]:
    """What a recording depends on besides its text (part of every text's hash)."""
    return {
        "engine": "espeak-ng",
        "voice": settings.AUDIO_VOICE,
        "words_per_minute": settings.AUDIO_WORDS_PER_MINUTE,
        "pitch": settings.AUDIO_PITCH,
        "format": "mp3",
        "bitrate_kbps": settings.AUDIO_BITRATE_KBPS,
    }


def text_hash(text: str) -> str:
    """sha256 of the text and the voice settings: equal hashes, equal recordings."""
    payload = json.dumps({"text": text, "voice": voice_settings()}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _programs() -> tuple[str, str] | None:
    """The full paths of espeak-ng and lame, if both are installed."""
    espeak, lame = shutil.which("espeak-ng"), shutil.which("lame")
    return (espeak, lame) if espeak and lame else None


def speech_available() -> bool:
    return _programs() is not None


def speak(text: str) -> Recording:
    """Speak ``text`` (UTF-8, any length) and encode it as mono constant-bitrate MP3."""
    programs = _programs()
    if programs is None:
        raise SpeechUnavailable("espeak-ng and lame are needed (apt-get install espeak-ng lame)")
    espeak, lame = programs
    with tempfile.TemporaryDirectory(prefix="kn-audio-") as folder:
        wav, mp3 = Path(folder) / "speech.wav", Path(folder) / "speech.mp3"
        # Our programs, our settings as arguments; the editors' text goes through standard input.
        subprocess.run(  # noqa: S603
            [
                espeak,
                "-v",
                str(settings.AUDIO_VOICE),
                "-s",
                str(settings.AUDIO_WORDS_PER_MINUTE),
                "-p",
                str(settings.AUDIO_PITCH),
                "-b",
                "1",  # the text is UTF-8
                "-w",
                str(wav),
                "--stdin",
            ],
            input=text.encode(),
            check=True,
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT,
        )
        with wave.open(str(wav)) as reader:
            duration_ms = round(reader.getnframes() * 1000 / reader.getframerate())
        # -m m: mono; -b: constant bitrate (MPEG-2 layer III at espeak's 22.05 kHz).
        subprocess.run(  # noqa: S603 (as above: no editor's input in the arguments)
            [lame, "--quiet", "-m", "m", "-b", str(settings.AUDIO_BITRATE_KBPS), str(wav), str(mp3)],
            check=True,
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT,
        )
        return Recording(data=mp3.read_bytes(), duration_ms=duration_ms)
