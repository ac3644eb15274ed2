"""DICOM: who the records belong to, and standard objects imaging software ingests.

The rest of the package imports :mod:`~orthoshare.dicom.collect`, the identity
record (:mod:`~orthoshare.dicom.identity`) and the patient guard
(:mod:`~orthoshare.dicom.patients`), which do not import pydicom. The modules
that read or write DICOM import it, and only ``collect`` imports them, when
DICOM work is needed: importing the package, comparing patients and sealing
other files never load it.
"""
