"""Creator rewards: paid per qualified view, under the RPM, fixed-pool or user-centric rule."""
