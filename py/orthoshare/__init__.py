"""orthoshare: pack a patient's records into one age-encrypted file, and open it again."""

__version__ = "0.1.0"
