"""The report: the runs read, the markdown built and cut to size, its images, its preview."""
