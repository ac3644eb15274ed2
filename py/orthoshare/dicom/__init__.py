"""DICOM: who the records belong to, and standard objects imaging software ingests.

pydicom is imported only by the modules of this package, and only when DICOM
work is needed, so sealing photos and scans alone never loads it.
"""
