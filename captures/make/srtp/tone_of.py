#!/usr/bin/env python3
"""Dominant frequency of raw G.711 files (the decrypted payloads srtp_check --dump writes),
   or with --wav of 16-bit wav files (baresip's sndfile dumps).
   tone_of.py [--alaw|--wav] FILE...   prints: FILE  seconds  peak_Hz  share_of_energy_near_peak
   (a silent file prints "silent")"""
import sys
import wave
import numpy as np
alaw = "--alaw" in sys.argv
use_wav = "--wav" in sys.argv
def g711(b):
    u = np.frombuffer(b, dtype=np.uint8).astype(np.int32)
    if alaw:
        u ^= 0x55
        sign = u & 0x80; e = (u >> 4) & 7; m = u & 15
        mag = np.where(e == 0, (m << 4) + 8, ((m << 4) + 0x108) << np.maximum(e - 1, 0))
        return np.where(sign, mag, -mag).astype(np.float64)
    u = ~u & 0xFF
    sign = u & 0x80; e = (u >> 4) & 7; m = u & 15
    mag = (((m << 3) + 0x84) << e) - 0x84
    return np.where(sign, -mag, mag).astype(np.float64)
for f in [a for a in sys.argv[1:] if not a.startswith("--")]:
    rate = 8000
    if use_wav:
        with wave.open(f) as w:
            rate, ch = w.getframerate(), w.getnchannels()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
            x = x[::ch]
    else:
        x = g711(open(f, "rb").read())
    if len(x) < rate // 10:
        print(f, "too short"); continue
    if np.max(np.abs(x)) < 64:
        print("%s  %.2f s  silent" % (f, len(x) / rate)); continue
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    k = int(np.argmax(spec[1:])) + 1
    near = spec[np.abs(freqs - freqs[k]) <= 15].sum() / spec.sum()
    print("%s  %.2f s  %.1f Hz  %.3f" % (f, len(x) / rate, freqs[k], near))
