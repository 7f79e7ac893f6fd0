# Never ends: killed at the deadline, the verdict is "time_limit".
while True:
    pass
